// The learner's certificates: PDF download, verify link with copy button, QR code, and sharing:
// the credential as JSON (with its Data Integrity proof), a QR code a wallet imports, LinkedIn.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { ErrorMessage, Loading, PageTitle, QrCode, StatusBadge, useQuery } from "../../components/ui";
import { openStorageUrl } from "./player";

// One certificate as the learner's and the admin's lists show it.
graphql(`fragment CertificateSummary on Certificate {
  id code learnerName courseTitle issuedAt status revokedAt revocationReason
}`);

export function verifyLink(cert: { code: string; verifyUrl?: string | null }): string {
  // The gateway gives a public URL; fall back to this origin's page for the same code.
  return cert.verifyUrl || `${location.origin}/verify/${encodeURIComponent(cert.code)}`;
}

function CopyButton({ text }: { text: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // Clipboard needs a secure context; the link stays selectable in the field beside the button.
      setCopied(false);
    }
    setTimeout(() => setCopied(null), 4000);
  }
  return (
    <>
      <button type="button" class="button button-secondary" onClick={copy}>
        {t("certificates.copyLink")}
      </button>
      <span role="status" aria-live="polite" class="muted">
        {copied === true ? t("certificates.copied") : copied === false ? t("certificates.copyFailed") : ""}
      </span>
    </>
  );
}

// The PDF's presigned URL expires (LMS_S3_PRESIGN_SECONDS): the link asks for a fresh one when clicked.
const PDF_LINK = graphql(`query CertificatePdfLink { myCertificates { id pdfUrl } }`);

function PdfDownload({ id, code, href }: { id: string; code: string; href: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  async function open(e: MouseEvent) {
    // The URL in href was fetched when the page loaded and may have expired: never follow it blindly.
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailed(false);
    try {
      const data = await gql(PDF_LINK, {});
      const url = data.myCertificates.find((c) => c.id === id)?.pdfUrl;
      if (!url) throw new Error("no PDF URL");
      openStorageUrl(url, `certificate-${code}.pdf`, true);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <a class="button" href={href} download={`certificate-${code}.pdf`} target="_blank" rel="noopener" onClick={open} aria-busy={busy}>
        ↓ {t("certificates.downloadPdf")}
      </a>
      {failed ? (
        <span class="alert alert-error" role="alert">
          {t("lesson.downloadRenewFailed")}
        </span>
      ) : null}
    </>
  );
}

export function walletLink(cert: { code: string }): string {
  // The public credential document (JSON-LD with its Data Integrity proof) that a wallet fetches.
  return `${location.origin}/credentials/${encodeURIComponent(cert.code)}`;
}

// Fetched when clicked: the list stays light, and the file is always the current document.
const CREDENTIAL_JSON = graphql(`query CertificateCredentialJson { myCertificates { id credentialDataIntegrity } }`);

function CredentialDownload({ id, code }: { id: string; code: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  async function save() {
    setFailed(false);
    try {
      const data = await gql(CREDENTIAL_JSON, {});
      const doc = data.myCertificates.find((c) => c.id === id)?.credentialDataIntegrity;
      if (!doc) throw new Error("no credential");
      const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/ld+json" });
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `credential-${code}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      setFailed(true);
    }
  }
  return (
    <>
      <button type="button" class="button button-secondary" onClick={save} data-testid="download-credential">
        {t("certificates.downloadJson")}
      </button>
      {failed ? (
        <span class="alert alert-error" role="alert">
          {t("certificates.downloadJsonFailed")}
        </span>
      ) : null}
    </>
  );
}

function WalletQr({ code }: { code: string }) {
  const { t } = useI18n();
  // Drawn only when opened: a page of many certificates draws one QR code each, not two.
  const [open, setOpen] = useState(false);
  return (
    <details class="wallet" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{t("certificates.walletTitle")}</summary>
      <p class="muted">{t("certificates.walletHelp")}</p>
      {open ? <QrCode value={walletLink({ code })} label={t("certificates.walletQr", { code })} /> : null}
    </details>
  );
}

export function MyCertificatesPage() {
  const { t, date } = useI18n();
  const { data, error, loading } = useQuery(
    graphql(`query MyCertificates { myCertificates { ...CertificateSummary pdfUrl verifyUrl linkedInUrl } }`),
    {},
    [],
  );
  return (
    <section>
      <PageTitle>{t("certificates.title")}</PageTitle>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data && data.myCertificates.length === 0 ? <p class="empty">{t("certificates.empty")}</p> : null}
      <ul class="cards certificate-list">
        {data?.myCertificates.map((c) => {
          const link = verifyLink(c);
          return (
            <li key={c.id} class="card certificate-card">
              <div class="certificate-body">
                <h2 class="card-title">{c.courseTitle}</h2>
                <p>
                  {c.status === "VALID" ? (
                    <StatusBadge tone="ok">{t("status.VALID")}</StatusBadge>
                  ) : (
                    <StatusBadge tone="bad">{t("status.REVOKED")}</StatusBadge>
                  )}
                </p>
                <dl class="facts">
                  <dt>{t("verify.learner")}</dt>
                  <dd>{c.learnerName}</dd>
                  <dt>{t("verify.issuedAt")}</dt>
                  <dd>{date(c.issuedAt)}</dd>
                  <dt>{t("verify.code")}</dt>
                  <dd class="code">{c.code}</dd>
                  {c.status === "REVOKED" ? (
                    <>
                      <dt>{t("verify.revokedAt")}</dt>
                      <dd>{date(c.revokedAt)}</dd>
                      <dt>{t("verify.reason")}</dt>
                      <dd>{c.revocationReason}</dd>
                    </>
                  ) : null}
                </dl>
                <div class="field">
                  <label for={`link-${c.id}`}>{t("certificates.verifyLink")}</label>
                  <input id={`link-${c.id}`} type="text" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
                </div>
                <div class="card-actions">
                  {c.pdfUrl ? (
                    <PdfDownload id={c.id} code={c.code} href={c.pdfUrl} />
                  ) : (
                    <span class="muted">{t("certificates.pdfPending")}</span>
                  )}
                  <CopyButton text={link} />
                  <CredentialDownload id={c.id} code={c.code} />
                  {c.status === "VALID" ? (
                    <a class="button button-secondary" href={c.linkedInUrl} target="_blank" rel="noopener noreferrer">
                      {t("certificates.linkedIn")}
                    </a>
                  ) : null}
                </div>
                <WalletQr code={c.code} />
              </div>
              <QrCode value={link} label={t("certificates.qr", { code: c.code })} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
