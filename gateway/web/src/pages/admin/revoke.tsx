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

// One page of results: enough to scan, small enough to load fast on mobile data; "Load more" pages on.
export const PAGE_SIZE = 25;

// What the search box holds: a certificate code (whole or its start) when it has a digit or starts with
// the KB prefix and has only characters a code can have (no 0, 1, O, I; Cyrillic look-alikes allowed);
// otherwise a part of the holder's name. The server folds case, spaces and dashes either way.
const CODE_CHARACTERS = /^[2-9a-hj-np-zA-HJ-NP-ZавекмнрстхуАВЕКМНРСТХУ\s\-\u2010-\u2015]+$/;

export function looksLikeCode(text: string): boolean {
  const prefixed = /^\s*[kк][bв](?:[\s\-\u2010-\u2015]|$)/i.test(text);
  return (prefixed || /\d/.test(text)) && CODE_CHARACTERS.test(text);
}

const SEARCH = graphql(`
  query SearchCerts($code: String, $name: String, $c: ID, $s: CertificateStatus, $first: Int, $after: String) {
    searchCertificates(code: $code, name: $name, courseId: $c, status: $s, first: $first, after: $after) {
      nodes { ...CertificateSummary }
      pageInfo { endCursor hasNextPage }
      totalCount
    }
  }
`);

type Status = "" | "VALID" | "REVOKED";

export function RevokePage() {
  const { t, date } = useI18n();
  const [courseId, setCourseId] = useState("");
  const [text, setText] = useState("");
  const [needle, setNeedle] = useState("");
  const [status, setStatus] = useState<Status>("");
  const [supported, setSupported] = useState<boolean | null>(null);
  const [target, setTarget] = useState<AdminCertificate | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [more, setMore] = useState<AdminCertificate[]>([]);
  const [cursor, setCursor] = useState<{ endCursor: string | null; hasNextPage: boolean } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => {
    rootFields().then((f) => setSupported(f.has("Query.searchCertificates")));
  }, []);
  // The search runs on the server as the admin types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => setNeedle(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  const variables = {
    code: needle && looksLikeCode(needle) ? needle : null,
    name: needle && !looksLikeCode(needle) ? needle : null,
    c: courseId || null,
    s: status || null,
    first: PAGE_SIZE,
    after: null,
  };
  const { data, error, loading, reload } = useQuery(SEARCH, variables, [needle, courseId, status, supported]);
  useEffect(() => {
    setMore([]);
    setCursor(null);
    setMoreError(null);
  }, [data]);
  const page = supported ? data?.searchCertificates : undefined;
  const rows = page ? [...page.nodes, ...more] : [];
  const next = cursor ?? page?.pageInfo ?? null;
  async function loadMore() {
    if (!next?.endCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const answer = await gql(SEARCH, { ...variables, after: next.endCursor });
      setMore((m) => [...m, ...answer.searchCertificates.nodes]);
      setCursor(answer.searchCertificates.pageInfo);
    } catch (err) {
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  }
  return (
    <section>
      <PageTitle>{t("revoke.title")}</PageTitle>
      <p class="lead">{t("revoke.intro")}</p>
      {supported === false ? <div class="alert alert-warn">{t("revoke.unsupported")}</div> : null}
      <div class="filters">
        <div class="field grow">
          <label for="revoke-filter">{t("revoke.filter")}</label>
          <input
            id="revoke-filter"
            type="search"
            value={text}
            maxLength={200}
            aria-describedby="revoke-filter-hint"
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => e.key === "Enter" && setNeedle(text.trim())}
          />
          <small id="revoke-filter-hint" class="help">
            {t("revoke.searchHint")}
          </small>
        </div>
        <CourseSelect id="revoke-course" value={courseId} onChange={setCourseId} allowAll />
        <div class="field">
          <label for="revoke-status">{t("revoke.status")}</label>
          <select id="revoke-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as Status)}>
            <option value="">{t("revoke.allStatuses")}</option>
            <option value="VALID">{t("status.VALID")}</option>
            <option value="REVOKED">{t("status.REVOKED")}</option>
          </select>
        </div>
      </div>
      {done ? (
        <div class="alert alert-success" role="status">
          {t("revoke.done", { code: done })}
        </div>
      ) : null}
      {supported ? <ErrorMessage error={error} /> : null}
      {supported && loading && !data ? <Loading /> : null}
      {page ? (
        <p class="muted" role="status" aria-live="polite">
          {t("revoke.count", { count: page.totalCount })}
        </p>
      ) : null}
      {page && rows.length === 0 ? <p class="empty">{t("revoke.none")}</p> : null}
      {rows.length ? (
        <div class="table-scroll">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t("verify.code")}</th>
                <th scope="col">{t("verify.learner")}</th>
                <th scope="col">{t("verify.course")}</th>
                <th scope="col">{t("verify.issuedAt")}</th>
                <th scope="col">{t("verify.status")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("revoke.action")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td class="code">{c.code}</td>
                  <td>{c.learnerName}</td>
                  <td>{c.courseTitle}</td>
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
      <ErrorMessage error={moreError} />
      {page && next?.hasNextPage ? (
        <div class="form-actions">
          <button type="button" class="button button-secondary" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? t("common.working") : t("revoke.loadMore")}
          </button>
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
