// Revocation of a certificate with a reason.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import type { CertificateSummaryFragment } from "../../gql/graphql";
import { useI18n } from "../../i18n";
import { rootFields } from "../../schema";
import { Dialog, ErrorMessage, Loading, PageTitle, StatusBadge, useQuery } from "../../components/ui";
import { CourseSelect } from "./courses";

type AdminCertificate = CertificateSummaryFragment;

export function RevokePage() {
  const { t, date } = useI18n();
  const [courseId, setCourseId] = useState("");
  const [filter, setFilter] = useState("");
  const [supported, setSupported] = useState<boolean | null>(null);
  const [target, setTarget] = useState<AdminCertificate | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    rootFields().then((f) => setSupported(f.has("Query.certificates")));
  }, []);
  const { data, error, loading, reload } = useQuery(
    graphql(`query Certs($c: ID) { certificates(courseId: $c) { ...CertificateSummary } }`),
    { c: courseId },
    [courseId, supported],
  );
  const needle = filter.trim().toLowerCase();
  const rows = (supported && courseId ? data?.certificates ?? [] : []).filter(
    (c) => !needle || c.code.toLowerCase().includes(needle) || c.learnerName.toLowerCase().includes(needle),
  );
  return (
    <section>
      <PageTitle>{t("revoke.title")}</PageTitle>
      <p class="lead">{t("revoke.intro")}</p>
      {supported === false ? <div class="alert alert-warn">{t("revoke.unsupported")}</div> : null}
      <div class="filters">
        <CourseSelect id="revoke-course" value={courseId} onChange={setCourseId} />
        <div class="field grow">
          <label for="revoke-filter">{t("revoke.filter")}</label>
          <input id="revoke-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </div>
      </div>
      {done ? (
        <div class="alert alert-success" role="status">
          {t("revoke.done", { code: done })}
        </div>
      ) : null}
      {supported && courseId ? <ErrorMessage error={error} /> : null}
      {supported && courseId && loading && !data ? <Loading /> : null}
      {courseId && supported && data && rows.length === 0 ? <p class="empty">{t("revoke.none")}</p> : null}
      {rows.length ? (
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t("verify.code")}</th>
                <th scope="col">{t("verify.learner")}</th>
                <th scope="col">{t("verify.issuedAt")}</th>
                <th scope="col">{t("verify.status")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("revoke.action")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 500).map((c) => (
                <tr key={c.id}>
                  <td class="code">{c.code}</td>
                  <td>{c.learnerName}</td>
                  <td>{date(c.issuedAt)}</td>
                  <td>
                    {c.status === "VALID" ? (
                      <StatusBadge tone="ok">{t("status.VALID")}</StatusBadge>
                    ) : (
                      <StatusBadge tone="bad">{t("status.REVOKED")}</StatusBadge>
                    )}
                  </td>
                  <td>
                    {c.status === "VALID" ? (
                      <button type="button" class="button button-danger button-small" onClick={() => setTarget(c)} aria-label={t("revoke.revokeFor", { code: c.code, name: c.learnerName })}>
                        {t("revoke.revoke")}
                      </button>
                    ) : (
                      <span class="muted">{c.revocationReason}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {target ? (
        <RevokeDialog
          certificate={target}
          onClose={() => setTarget(null)}
          onRevoked={(code) => {
            setTarget(null);
            setDone(code);
            reload();
          }}
        />
      ) : null}
    </section>
  );
}

function RevokeDialog(props: { certificate: AdminCertificate; onClose: () => void; onRevoked: (code: string) => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function revoke(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(graphql(`mutation Revoke($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { id status } }`), {
        id: props.certificate.id,
        r: reason.trim(),
      });
      props.onRevoked(props.certificate.code);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Dialog title={t("revoke.dialogTitle", { code: props.certificate.code })} onClose={props.onClose}>
      <form onSubmit={revoke}>
        <p>{t("revoke.warning", { name: props.certificate.learnerName, course: props.certificate.courseTitle })}</p>
        <div class="field">
          <label for="revoke-reason">{t("revoke.reason")}</label>
          <textarea id="revoke-reason" required minLength={3} maxLength={500} rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </div>
        <ErrorMessage error={error} />
        <div class="form-actions">
          <button type="submit" class="button button-danger" disabled={busy || reason.trim().length < 3}>
            {busy ? t("common.working") : t("revoke.confirm")}
          </button>
          <button type="button" class="button button-secondary" onClick={props.onClose}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
