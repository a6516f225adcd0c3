// National co-branding of certificates (issue 14, item 5): a member state's certificates may carry its
// national partner's name, logo and signatories next to the issuer's. Admins edit one state's variant at
// a time, see a sample certificate (marked PREVIEW, nothing stored) before saving, and remove it. Each
// save is a new version; certificates already issued keep theirs. The server checks every image (PNG or
// JPEG, size) and every field again; the limits here only spare the admin a round trip.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import type { CertificateVariantInput, CobrandingVariantsQuery } from "../../gql/graphql";
import { ErrorMessage, Loading, PageTitle, StatusBadge } from "../../components/ui";
import { LANGUAGES, useI18n, type Lang } from "../../i18n";
import { STATES, stateName } from "./reports";

const VARIANTS = graphql(`query CobrandingVariants {
  certificateVariants { org version hasLogo createdAt partnerNames { lang text } signatories { name hasSignatureImage titles { lang text } } }
}`);
const SAVE = graphql(`mutation SaveCobranding($org: String!, $input: CertificateVariantInput!) {
  saveCertificateVariant(org: $org, input: $input) { org version }
}`);
const REMOVE = graphql(`mutation RemoveCobranding($org: String!) { removeCertificateVariant(org: $org) }`);
const PREVIEW = graphql(`mutation PreviewCobranding($org: String!, $input: CertificateVariantInput, $lang: String) {
  previewCertificateVariant(org: $org, input: $input, lang: $lang)
}`);

type Variant = CobrandingVariantsQuery["certificateVariants"][number];
type Texts = Partial<Record<Lang, string>>;
interface SignatoryDraft {
  name: string;
  titles: Texts;
  image: string | null; // base64 of a newly chosen file
  hasImage: boolean; // the stored version has one at position `origin` (kept unless replaced or removed)
  origin: number | null; // its position in the stored version; the server keeps images by position
}
interface Draft {
  names: Texts;
  logo: string | null;
  hasLogo: boolean;
  signatories: SignatoryDraft[];
}

const MAX_IMAGE_BYTES = 2 * 1024 * 1024; // the service's limit (domain/templates.py MAX_IMAGE_BYTES)
const IMAGE_TYPES = "image/png,image/jpeg";
const MAX_PARTNER_SIGNATORIES = 2;
const LANGS: Lang[] = LANGUAGES.map((l) => l.code);
const AUTONYM = Object.fromEntries(LANGUAGES.map((l) => [l.code, l.name])) as Record<Lang, string>;

function texts(pairs: { lang: string; text: string }[] | null | undefined): Texts {
  const out: Texts = {};
  for (const p of pairs ?? []) if ((LANGS as string[]).includes(p.lang)) out[p.lang as Lang] = p.text;
  return out;
}

function draftOf(v: Variant | undefined): Draft {
  if (!v) return { names: {}, logo: null, hasLogo: false, signatories: [] };
  return {
    names: texts(v.partnerNames),
    logo: null,
    hasLogo: v.hasLogo,
    signatories: v.signatories.map((s, i) => ({
      name: s.name ?? "",
      titles: texts(s.titles),
      image: null,
      hasImage: s.hasSignatureImage,
      origin: i,
    })),
  };
}

function pairs(t: Texts): { lang: string; text: string }[] {
  return LANGS.filter((l) => (t[l] ?? "").trim()).map((l) => ({ lang: l, text: (t[l] ?? "").trim() }));
}

/** A stored signature is kept only where the signatory still sits at its stored position. */
function keepsImage(s: SignatoryDraft, i: number): boolean {
  return s.hasImage && !s.image && s.origin === i;
}

function inputOf(d: Draft): CertificateVariantInput {
  return {
    partnerNames: pairs(d.names),
    partnerLogo: d.logo,
    keepLogo: d.hasLogo && !d.logo,
    signatories: d.signatories.map((s, i) => ({
      name: s.name.trim(),
      titles: pairs(s.titles),
      signatureImage: s.image,
      keepSignatureImage: keepsImage(s, i),
    })),
  };
}

/** A chosen PNG or JPEG file as base64 (no data: prefix), or an error key. */
function readImage(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!["image/png", "image/jpeg"].includes(file.type)) return reject(new Error("cobranding.imageType"));
    if (file.size > MAX_IMAGE_BYTES) return reject(new Error("cobranding.imageSize"));
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(new Error("cobranding.imageType"));
    reader.readAsDataURL(file);
  });
}

function value(e: Event): string {
  return (e.currentTarget as HTMLInputElement).value;
}

function pdfUrl(dataUrl: string): string {
  const bytes = Uint8Array.from(atob(dataUrl.split(",", 2)[1] ?? ""), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
}

export function CobrandingPage() {
  const { t, lang, date } = useI18n();
  const [variants, setVariants] = useState<Variant[] | null>(null);
  const [org, setOrg] = useState<string>(STATES[0]);
  const [draft, setDraft] = useState<Draft>(draftOf(undefined));
  const [error, setError] = useState<unknown>(null);
  const [imageError, setImageError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"save" | "remove" | "preview" | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const previewRef = useRef<string | null>(null);

  async function reload() {
    const d = await gql(VARIANTS, {});
    setVariants(d.certificateVariants);
    return d.certificateVariants;
  }
  useEffect(() => {
    reload().catch(setError);
  }, []);
  const current = variants?.find((v) => v.org === org);
  useEffect(() => {
    setDraft(draftOf(current));
    setSaved(null);
    setImageError(null);
    showPreview(null);
  }, [org, current?.version, variants === null]);
  useEffect(() => () => showPreview(null), []);

  function showPreview(url: string | null) {
    if (previewRef.current) URL.revokeObjectURL(previewRef.current);
    previewRef.current = url;
    setPreview(url);
  }

  function body(): CertificateVariantInput {
    return inputOf(draft);
  }

  async function run(kind: "save" | "remove" | "preview") {
    setBusy(kind);
    setError(null);
    setSaved(null);
    try {
      if (kind === "preview") {
        const d = await gql(PREVIEW, { org, input: body(), lang });
        showPreview(pdfUrl(d.previewCertificateVariant));
      } else if (kind === "save") {
        const d = await gql(SAVE, { org, input: body() });
        await reload();
        setSaved(t("cobranding.saved", { state: stateName(t, org), version: String(d.saveCertificateVariant.version) }));
      } else {
        await gql(REMOVE, { org });
        await reload();
        setSaved(t("cobranding.removed", { state: stateName(t, org) }));
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function choose(file: File | undefined, apply: (b64: string) => void) {
    setImageError(null);
    if (!file) return;
    try {
      apply(await readImage(file));
    } catch (e) {
      setImageError((e as Error).message);
    }
  }

  return (
    <section class="cobranding-page">
      <PageTitle>{t("cobranding.title")}</PageTitle>
      <p class="lead">{t("cobranding.intro")}</p>
      <ErrorMessage error={error} />
      {variants === null && !error ? <Loading /> : null}
      <div class="field">
        <label for="cobranding-state">{t("reports.state")}</label>
        <select id="cobranding-state" value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {stateName(t, s)}
              {variants?.some((v) => v.org === s) ? ` — ${t("cobranding.hasVariant")}` : ""}
            </option>
          ))}
        </select>
      </div>
      <p class="muted" data-variant-version={current?.version ?? ""}>
        {current ? (
          <>
            <StatusBadge tone="ok">{t("cobranding.active")}</StatusBadge>{" "}
            {t("cobranding.version", { version: String(current.version), date: date(current.createdAt) })}
          </>
        ) : (
          t("cobranding.none", { state: stateName(t, org) })
        )}
      </p>

      {variants === null ? null : (
        <form
          class="cobranding-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run("save");
          }}
        >
          <fieldset>
            <legend>{t("cobranding.partnerName")}</legend>
            {LANGS.map((l) => (
              <div class="field" key={l}>
                <label for={`partner-${l}`}>
                  {AUTONYM[l]}
                  {l === "en" ? ` (${t("cobranding.required")})` : ""}
                </label>
                <input
                  id={`partner-${l}`}
                  type="text"
                  maxLength={200}
                  required={l === "en"}
                  value={draft.names[l] ?? ""}
                  onInput={(e) => setDraft((d) => ({ ...d, names: { ...d.names, [l]: value(e) } }))}
                />
              </div>
            ))}
          </fieldset>

          <fieldset>
            <legend>{t("cobranding.logo")}</legend>
            <p class="muted">{draft.logo ? t("cobranding.logoNew") : draft.hasLogo ? t("cobranding.logoKept") : t("cobranding.logoNone")}</p>
            <label for="partner-logo">{t("cobranding.chooseImage")}</label>
            <input
              id="partner-logo"
              type="file"
              accept={IMAGE_TYPES}
              onChange={(e) => void choose(e.currentTarget.files?.[0], (b64) => setDraft((d) => ({ ...d, logo: b64 })))}
            />
            {draft.logo || draft.hasLogo ? (
              <button type="button" class="button button-secondary" onClick={() => setDraft((d) => ({ ...d, logo: null, hasLogo: false }))}>
                {t("cobranding.removeLogo")}
              </button>
            ) : null}
          </fieldset>

          <fieldset>
            <legend>{t("cobranding.signatories")}</legend>
            {draft.signatories.map((s, i) => {
              const set = (change: Partial<SignatoryDraft>) =>
                setDraft((d) => ({ ...d, signatories: d.signatories.map((x, j) => (j === i ? { ...x, ...change } : x)) }));
              return (
                <div class="signatory" key={i} data-signatory={i}>
                  <div class="field">
                    <label for={`sig-name-${i}`}>{t("cobranding.signatoryName")}</label>
                    <input id={`sig-name-${i}`} type="text" maxLength={120} required value={s.name} onInput={(e) => set({ name: value(e) })} />
                  </div>
                  {(["en", lang] as Lang[]).filter((l, k, all) => all.indexOf(l) === k).map((l) => (
                    <div class="field" key={l}>
                      <label for={`sig-title-${i}-${l}`}>{t("cobranding.signatoryTitle", { language: AUTONYM[l] })}</label>
                      <input
                        id={`sig-title-${i}-${l}`}
                        type="text"
                        maxLength={120}
                        required={l === "en"}
                        value={s.titles[l] ?? ""}
                        onInput={(e) => {
                          const text = value(e);
                          setDraft((d) => ({
                            ...d,
                            signatories: d.signatories.map((x, j) => (j === i ? { ...x, titles: { ...x.titles, [l]: text } } : x)),
                          }));
                        }}
                      />
                    </div>
                  ))}
                  <p class="muted">
                    {s.image ? t("cobranding.signatureNew") : keepsImage(s, i) ? t("cobranding.signatureKept") : t("cobranding.signatureNone")}
                  </p>
                  <label for={`sig-image-${i}`}>{t("cobranding.chooseSignature")}</label>
                  <input id={`sig-image-${i}`} type="file" accept={IMAGE_TYPES} onChange={(e) => void choose(e.currentTarget.files?.[0], (b64) => set({ image: b64 }))} />
                  <button
                    type="button"
                    class="button button-secondary"
                    onClick={() => setDraft((d) => ({ ...d, signatories: d.signatories.filter((_, j) => j !== i) }))}
                  >
                    {t("cobranding.removeSignatory")}
                  </button>
                </div>
              );
            })}
            {draft.signatories.length < MAX_PARTNER_SIGNATORIES ? (
              <button
                type="button"
                class="button button-secondary"
                onClick={() =>
                  setDraft((d) => ({
                    ...d,
                    signatories: [...d.signatories, { name: "", titles: {}, image: null, hasImage: false, origin: null }],
                  }))
                }
              >
                {t("cobranding.addSignatory")}
              </button>
            ) : null}
          </fieldset>
          {imageError ? (
            <p class="error" role="alert">
              {t(imageError === "cobranding.imageSize" ? "cobranding.imageSize" : "cobranding.imageType")}
            </p>
          ) : null}
          <p class="dialog-actions">
            <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void run("preview")}>
              {busy === "preview" ? t("cobranding.previewing") : t("cobranding.preview")}
            </button>
            <button type="submit" class="button" disabled={busy !== null}>
              {busy === "save" ? t("cobranding.saving") : t("cobranding.save")}
            </button>
            {current ? (
              <button type="button" class="button button-danger" disabled={busy !== null} onClick={() => void run("remove")}>
                {t("cobranding.remove")}
              </button>
            ) : null}
          </p>
          <p role="status" aria-live="polite">
            {saved ?? ""}
          </p>
        </form>
      )}
      {preview ? (
        <figure class="cobranding-preview">
          <iframe src={preview} title={t("cobranding.previewLabel", { state: stateName(t, org) })} />
          <figcaption class="muted">
            {t("cobranding.previewNote")}{" "}
            <a href={preview} download={`preview-${org}.pdf`}>
              {t("cobranding.previewDownload")}
            </a>
          </figcaption>
        </figure>
      ) : null}
    </section>
  );
}
