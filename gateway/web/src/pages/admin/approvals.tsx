// The approvals queue (issue 15): registrations waiting for a trainer's, an admin's or the learner's
// country admin's decision. The server lists only what the viewer may decide.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { Dialog, ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";
import { CourseSelect } from "./courses";

const QUEUE = graphql(`
  query ApprovalQueue($c: ID, $ui: String) {
    pendingEnrollments(courseId: $c) {
      id learnerId learnerName org municipality enrolledAt status
      course { id title(lang: $ui) }
    }
  }
`);

const APPROVE = graphql(`mutation ApproveRegistration($id: ID!) { approveEnrollment(id: $id) { id status } }`);
const REJECT = graphql(
  `mutation RejectRegistration($id: ID!, $r: String!) { rejectEnrollment(id: $id, reason: $r) { id status reason } }`,
);

type Pending = { id: string; learnerName: string; course: { title: string } };

export function ApprovalsPage() {
  const { t, lang, date } = useI18n();
  const [courseId, setCourseId] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [target, setTarget] = useState<Pending | null>(null);
  const { data, error, loading, reload } = useQuery(QUEUE, { c: courseId || null, ui: lang }, [courseId, lang]);
  const rows = data?.pendingEnrollments ?? [];

  async function approve(row: Pending) {
    setBusy(row.id);
    setActionError(null);
    try {
      await gql(APPROVE, { id: row.id });
      setDone(t("approvals.approved", { name: row.learnerName }));
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <PageTitle>{t("approvals.title")}</PageTitle>
      <p class="lead">{t("approvals.intro")}</p>
      <div class="filters">
        <CourseSelect id="approvals-course" value={courseId} onChange={setCourseId} allowAll />
      </div>
      {done ? (
        <div class="alert alert-success" role="status">
          {done}
        </div>
      ) : null}
      <ErrorMessage error={error} />
      <ErrorMessage error={actionError} />
      {loading && !data ? <Loading /> : null}
      {data && rows.length === 0 ? <p class="empty">{t("approvals.none")}</p> : null}
      {rows.length ? (
        <div class="table-scroll">
          <table class="table" data-testid="approvals">
            <thead>
              <tr>
                <th scope="col">{t("approvals.learner")}</th>
                <th scope="col">{t("approvals.course")}</th>
                <th scope="col">{t("approvals.state")}</th>
                <th scope="col">{t("approvals.registeredAt")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("approvals.decision")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-enrollment={r.id}>
                  <td>{r.learnerName}</td>
                  <td>{r.course.title}</td>
                  <td>{[r.org, r.municipality].filter(Boolean).join(" · ")}</td>
                  <td>{date(r.enrolledAt)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="button button-small"
                      disabled={busy === r.id}
                      onClick={() => approve(r)}
                      aria-label={t("approvals.approveFor", { name: r.learnerName })}
                    >
                      {busy === r.id ? t("common.working") : t("approvals.approve")}
                    </button>{" "}
                    <button
                      type="button"
                      class="button button-danger button-small"
                      onClick={() => setTarget(r)}
                      aria-label={t("approvals.rejectFor", { name: r.learnerName })}
                    >
                      {t("approvals.reject")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {target ? (
        <RejectDialog
          row={target}
          onClose={() => setTarget(null)}
          onRejected={() => {
            setDone(t("approvals.rejected", { name: target.learnerName }));
            setTarget(null);
            reload();
          }}
        />
      ) : null}
    </section>
  );
}

function RejectDialog(props: { row: Pending; onClose: () => void; onRejected: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function reject(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(REJECT, { id: props.row.id, r: reason.trim() });
      props.onRejected();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Dialog title={t("approvals.rejectTitle", { name: props.row.learnerName })} onClose={props.onClose}>
      <form onSubmit={reject}>
        <div class="field">
          <label for="reject-reason">{t("approvals.reason")}</label>
          <textarea
            id="reject-reason"
            required
            maxLength={500}
            rows={3}
            value={reason}
            aria-describedby="reject-reason-hint"
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <small id="reject-reason-hint" class="help">
            {t("approvals.reasonHint")}
          </small>
        </div>
        <ErrorMessage error={error} />
        <div class="form-actions">
          <button type="submit" class="button button-danger" disabled={busy || !reason.trim()}>
            {busy ? t("common.working") : t("approvals.confirmReject")}
          </button>
          <button type="button" class="button button-secondary" onClick={props.onClose}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
