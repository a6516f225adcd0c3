// Pages anyone may open: the public certificate verification, and sign-in.
import { useEffect, useState } from "preact/hooks";
import {
  devSignIn,
  loadAuthConfig,
  oidcCompleteSignIn,
  oidcSignIn,
  sessionExpired,
  type AuthConfig,
  type DevIdentity,
  type Role,
} from "../auth";
import { LANGUAGES, useI18n } from "../i18n";
import { graphql } from "../gql";
import { navigate } from "../router";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../components/ui";

export function VerifyPage({ code }: { code?: string }) {
  const { t, date } = useI18n();
  const [typed, setTyped] = useState(code ?? "");
  useEffect(() => setTyped(code ?? ""), [code]);
  return (
    <section class="verify">
      <PageTitle>{t("verify.title")}</PageTitle>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const clean = typed.trim();
          if (clean) navigate(`/verify/${encodeURIComponent(clean)}`);
        }}
      >
        <div class="field grow">
          <label for="verify-code">{t("verify.codeLabel")}</label>
          <input
            id="verify-code"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
        </div>
        <div class="field field-button">
          <button type="submit" class="button">
            {t("verify.check")}
          </button>
        </div>
      </form>
      {code ? <VerificationResult code={code} date={date} /> : <p class="muted">{t("verify.hint")}</p>}
    </section>
  );
}

function VerificationResult({ code, date }: { code: string; date: (iso: string | null) => string }) {
  const { t, lang } = useI18n();
  const { data, error, loading } = useQuery(
    graphql(`query Verify($code: String!, $ui: String) { verifyCertificate(code: $code) {
      code valid status learnerName courseTitle issuedAt issuer(lang: $ui) revokedAt revocationReason
      proofs { format verified } } }`),
    { code, ui: lang },
    [code, lang],
  );
  if (loading && !data) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  const v = data!.verifyCertificate;
  const tone = v.valid ? "valid" : v.status === "REVOKED" ? "revoked" : "unknown";
  const headline = v.valid ? t("verify.valid") : v.status === "REVOKED" ? t("verify.revoked") : t("verify.unknown");
  return (
    <div class={`verdict verdict-${tone}`} role="status" aria-live="polite" data-testid="verdict">
      <p class="verdict-headline">
        <span class="verdict-icon" aria-hidden="true">
          {v.valid ? "✔" : "✖"}
        </span>
        {headline}
      </p>
      {v.status ? (
        <dl class="facts facts-large">
          {v.learnerName ? (
            // No name at all once the holder was erased on request (docs/privacy.md).
            <>
              <dt>{t("verify.learner")}</dt>
              <dd>{v.learnerName}</dd>
            </>
          ) : null}
          <dt>{t("verify.course")}</dt>
          <dd>{v.courseTitle}</dd>
          <dt>{t("verify.issuedAt")}</dt>
          <dd>{date(v.issuedAt)}</dd>
          <dt>{t("verify.issuer")}</dt>
          <dd>{v.issuer}</dd>
          <dt>{t("verify.code")}</dt>
          <dd class="code">{v.code}</dd>
          <dt>{t("verify.status")}</dt>
          <dd>{v.status === "VALID" ? t("status.VALID") : t("status.REVOKED")}</dd>
          {v.status === "REVOKED" ? (
            <>
              <dt>{t("verify.revokedAt")}</dt>
              <dd>{date(v.revokedAt)}</dd>
              <dt>{t("verify.reason")}</dt>
              <dd>{v.revocationReason || "—"}</dd>
            </>
          ) : null}
          {v.proofs.length ? (
            <>
              <dt>{t("verify.proofs")}</dt>
              <dd>
                <ul class="proofs" data-testid="proofs">
                  {v.proofs.map((p) => (
                    <li key={p.format} data-format={p.format} data-verified={p.verified ? "true" : "false"}>
                      <span aria-hidden="true">{p.verified ? "✔ " : "✖ "}</span>
                      {p.format === "vc+jwt" ? t("verify.proofVcJwt") : p.format === "eddsa-rdfc-2022" ? t("verify.proofDataIntegrity") : p.format}
                      {": "}
                      {p.verified ? t("verify.proofVerified") : t("verify.proofFailed")}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          ) : null}
        </dl>
      ) : (
        <p>{t("verify.unknownHelp", { code })}</p>
      )}
    </div>
  );
}

const DEMO_USERS: { id: string; identity: DevIdentity }[] = [
  {
    id: "learner-baku",
    identity: { sub: "demo-learner-baku", name: "Rəşad Əliyev", roles: ["learner"], org: "AZ", municipality: "Baku", locale: "az" },
  },
  {
    id: "learner-almaty",
    identity: { sub: "demo-learner-almaty", name: "Әйгерім Сәрсенова", roles: ["learner"], org: "KZ", municipality: "Almaty", locale: "kk" },
  },
  {
    id: "trainer",
    identity: { sub: "demo-trainer", name: "Aygün Məmmədova", roles: ["trainer"], org: "AZ", municipality: "Ganja", locale: "en" },
  },
  {
    id: "admin",
    identity: { sub: "demo-admin", name: "Elif Yılmaz", roles: ["admin"], org: "TR", municipality: "Ankara", locale: "tr" },
  },
];

function homeFor(roles: Role[]): string {
  if (roles.includes("admin")) return "/admin/bulk";
  if (roles.includes("trainer")) return "/teach";
  return "/";
}

function safeNext(next: string | null): string | null {
  // Only same-site paths: an open redirect would let a link send people elsewhere after sign-in.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export function SignInPage({ next }: { next: string | null }) {
  const { t } = useI18n();
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loadAuthConfig().then(setConfig, setError);
  }, []);
  if (error) return <ErrorMessage error={error} />;
  if (!config) return <Loading />;
  return (
    <section class="signin">
      <PageTitle>{t("signin.title")}</PageTitle>
      {sessionExpired() ? (
        <div class="alert alert-warn" role="status">
          {t("signin.expired")}
        </div>
      ) : null}
      {config.mode === "oidc" ? (
        <OidcSignIn config={config} next={safeNext(next)} />
      ) : (
        <DevSignIn next={safeNext(next)} />
      )}
    </section>
  );
}

function OidcSignIn({ config, next }: { config: AuthConfig; next: string | null }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  return (
    <div class="panel">
      <p>{t("signin.oidcIntro")}</p>
      <button type="button" class="button" onClick={() => oidcSignIn(config, next ?? "/").catch(setError)}>
        {t("signin.oidcButton")}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}

function DevSignIn({ next }: { next: string | null }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [custom, setCustom] = useState({
    sub: "",
    name: "",
    roles: ["learner"] as Role[],
    org: "",
    municipality: "",
    locale: "en",
  });

  async function signIn(identity: DevIdentity) {
    setBusy(true);
    setError(null);
    try {
      const session = await devSignIn(identity);
      navigate(next ?? homeFor(session.roles), true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function toggleRole(role: Role, on: boolean) {
    setCustom((c) => ({ ...c, roles: on ? [...c.roles, role] : c.roles.filter((r) => r !== role) }));
  }

  return (
    <>
      <div class="alert alert-info">{t("signin.devNotice")}</div>
      <h2>{t("signin.demoUsers")}</h2>
      <ul class="demo-users">
        {DEMO_USERS.map((u) => (
          <li key={u.id}>
            <button type="button" class="demo-user" disabled={busy} onClick={() => signIn(u.identity)} data-demo={u.id}>
              <span class="demo-name">{u.identity.name}</span>
              <span class="demo-role">{t(`signin.demo.${u.id}` as "signin.demo.trainer")}</span>
            </button>
          </li>
        ))}
      </ul>
      <h2>{t("signin.custom")}</h2>
      <form
        class="panel form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          const sub = custom.sub.trim() || `demo-${custom.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-") || "user"}`;
          void signIn({
            sub,
            name: custom.name,
            roles: custom.roles,
            org: custom.org || undefined,
            municipality: custom.municipality || undefined,
            locale: custom.locale,
          });
        }}
      >
        <div class="field">
          <label for="custom-name">{t("signin.name")}</label>
          <input id="custom-name" required value={custom.name} onInput={(e) => setCustom({ ...custom, name: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="custom-sub">{t("signin.userId")}</label>
          <input id="custom-sub" value={custom.sub} onInput={(e) => setCustom({ ...custom, sub: e.currentTarget.value })} />
        </div>
        <fieldset class="field field-wide">
          <legend>{t("signin.roles")}</legend>
          {(["learner", "trainer", "admin"] as Role[]).map((r) => (
            <label key={r} class="option option-inline">
              <input type="checkbox" checked={custom.roles.includes(r)} onChange={(e) => toggleRole(r, e.currentTarget.checked)} />
              <span>{t(`role.${r}`)}</span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="custom-org">{t("signin.org")}</label>
          <input
            id="custom-org"
            maxLength={2}
            placeholder="AZ"
            value={custom.org}
            onInput={(e) => setCustom({ ...custom, org: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="custom-municipality">{t("signin.municipality")}</label>
          <input
            id="custom-municipality"
            value={custom.municipality}
            onInput={(e) => setCustom({ ...custom, municipality: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="custom-locale">{t("signin.locale")}</label>
          <select id="custom-locale" value={custom.locale} onChange={(e) => setCustom({ ...custom, locale: e.currentTarget.value })}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-button">
          <button type="submit" class="button" disabled={busy || custom.roles.length === 0}>
            {t("signin.submit")}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
    </>
  );
}

export function OidcCallbackPage() {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loadAuthConfig()
      .then((config) => oidcCompleteSignIn(config))
      .then((to) => navigate(to, true), setError);
  }, []);
  if (!error) return <Loading />;
  // The library's reason (access_denied, a state already used, the provider's refusal) is technical
  // English: say in the user's language that sign-in failed, and keep the reason for support.
  const reason = error instanceof Error && error.message ? error.message : "";
  return (
    <div>
      <div class="alert alert-error" role="alert">
        <p>{t("signin.callbackFailed")}</p>
        {reason ? <p>{reason}</p> : null}
      </div>
      <a href="/signin">{t("signin.tryAgain")}</a>
    </div>
  );
}
