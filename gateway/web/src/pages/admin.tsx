// The admin's pages: bulk issuance with live progress, revocation, reports per country and municipality.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql, subscribe } from "../api";
import { MAX_ROWS, downloadText, parseRecipients, toCsv, toRecipientInput, type ParsedCsv, type RecipientRow } from "../csv";
import { useI18n, type MessageKey } from "../i18n";
import { rootFields } from "../schema";
import { Dialog, ErrorMessage, Loading, PageTitle, ProgressBar, StatusBadge, useQuery } from "../components/ui";
import { CourseStats, STATS_FIELDS, type CourseStatsData } from "./trainer";

interface CourseOption {
  id: string;
  title: string;
}

function useCourses(status: "PUBLISHED" | null) {
  const { lang } = useI18n();
  return useQuery<{ courses: { nodes: CourseOption[] } }>(
    `query Courses($ui: String, $status: CourseStatus) { courses(status: $status, first: 100) { nodes { id title(lang: $ui) } } }`,
    { ui: lang, status },
    [lang, status],
  );
}

function CourseSelect(props: { id: string; value: string; onChange: (id: string) => void; allowAll?: boolean; status?: "PUBLISHED" | null }) {
  const { t } = useI18n();
  const { data, error } = useCourses(props.status === undefined ? "PUBLISHED" : props.status);
  return (
    <div class="field grow">
      <label for={props.id}>{t("admin.course")}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.allowAll ? t("admin.allCourses") : t("admin.chooseCourse")}</option>
        {data?.courses.nodes.map((c) => (
          <option key={c.id} value={c.id}>
            {c.title}
          </option>
        ))}
      </select>
      <ErrorMessage error={error} />
    </div>
  );
}

interface BulkJob {
  id: string;
  courseId: string;
  status: "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";
  total: number;
  issued: number;
  skipped: number;
  failed: number;
  createdAt: string;
  finishedAt: string | null;
  failures: { recipient: string; reason: string }[];
}

const JOB_FIELDS = "id courseId status total issued skipped failed createdAt finishedAt failures { recipient reason }";
const FINISHED = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const JOB_TONE = { QUEUED: "neutral", RUNNING: "warn", COMPLETED: "ok", FAILED: "bad", CANCELLED: "neutral" } as const;

export function BulkIssuePage() {
  const { t } = useI18n();
  const [courseId, setCourseId] = useState("");
  const [mode, setMode] = useState<"csv" | "eligible">("csv");
  const [csv, setCsv] = useState<ParsedCsv | null>(null);
  const [fileName, setFileName] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [job, setJob] = useState<BulkJob | null>(null);
  const [sent, setSent] = useState<RecipientRow[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const good = csv?.rows.filter((r) => !r.problems.length) ?? [];
  const bad = csv?.rows.filter((r) => r.problems.length) ?? [];
  const ready = !!courseId && (mode === "eligible" || good.length > 0);

  async function readFile(file: File) {
    setFileName(file.name);
    setCsv(parseRecipients(await file.text()));
  }

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const input =
        mode === "eligible"
          ? { courseId, allEligible: true }
          : { courseId, allEligible: false, recipients: good.map(toRecipientInput) };
      const data = await gql<{ startBulkIssue: BulkJob }>(
        `mutation Start($input: BulkIssueInput!) { startBulkIssue(input: $input) { ${JOB_FIELDS} } }`,
        { input },
      );
      setSent(mode === "eligible" ? [] : good);
      setJob(data.startBulkIssue);
      setConfirming(false);
    } catch (err) {
      setError(err);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <PageTitle>{t("bulk.title")}</PageTitle>
      <p class="lead">{t("bulk.intro")}</p>
      {job ? (
        <JobProgress
          job={job}
          recipients={sent}
          onUpdate={setJob}
          onReset={() => {
            setJob(null);
            setCsv(null);
            setFileName("");
          }}
        />
      ) : (
        <div class="panel">
          <div class="filters">
            <CourseSelect id="bulk-course" value={courseId} onChange={setCourseId} />
          </div>
          <fieldset class="field">
            <legend>{t("bulk.recipients")}</legend>
            <label class="option">
              <input type="radio" name="bulk-mode" checked={mode === "csv"} onChange={() => setMode("csv")} />
              <span>{t("bulk.modeCsv")}</span>
            </label>
            <label class="option">
              <input type="radio" name="bulk-mode" checked={mode === "eligible"} onChange={() => setMode("eligible")} />
              <span>{t("bulk.modeEligible")}</span>
            </label>
          </fieldset>
          {mode === "csv" ? (
            <>
              <div class="field">
                <label for="bulk-csv">{t("bulk.csvFile")}</label>
                <input
                  id="bulk-csv"
                  type="file"
                  accept=".csv,text/csv"
                  aria-describedby="bulk-csv-help"
                  onChange={(e) => {
                    const file = e.currentTarget.files?.[0];
                    if (file) void readFile(file);
                  }}
                />
                <small id="bulk-csv-help" class="help">
                  {t("bulk.csvHelp")}
                </small>
              </div>
              {csv ? <CsvPreview csv={csv} fileName={fileName} good={good.length} bad={bad} /> : null}
            </>
          ) : (
            <p class="muted">{t("bulk.eligibleHelp")}</p>
          )}
          <ErrorMessage error={error} />
          <div class="form-actions">
            <button type="button" class="button" disabled={!ready} onClick={() => setConfirming(true)}>
              {mode === "eligible" ? t("bulk.issueEligible") : t("bulk.issueN", { count: good.length })}
            </button>
          </div>
        </div>
      )}
      {confirming ? (
        <Dialog title={t("bulk.confirmTitle")} onClose={() => setConfirming(false)}>
          <p>{mode === "eligible" ? t("bulk.confirmEligible") : t("bulk.confirmCsv", { count: good.length })}</p>
          {bad.length && mode === "csv" ? <p class="muted">{t("bulk.confirmSkipped", { count: bad.length })}</p> : null}
          <div class="form-actions">
            <button type="button" class="button" onClick={start} disabled={busy}>
              {busy ? t("common.working") : t("bulk.confirm")}
            </button>
            <button type="button" class="button button-secondary" onClick={() => setConfirming(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </Dialog>
      ) : null}
      {courseId && !job ? <RecentJobs courseId={courseId} /> : null}
    </section>
  );
}

function CsvPreview({ csv, fileName, good, bad }: { csv: ParsedCsv; fileName: string; good: number; bad: RecipientRow[] }) {
  const { t } = useI18n();
  // Bad rows first: they are what needs attention; a long file shows only its first good rows.
  const shown = [...bad, ...csv.rows.filter((r) => !r.problems.length).slice(0, Math.max(0, 250 - bad.length))];
  return (
    <div class="csv-preview">
      <p role="status" aria-live="polite">
        <strong>{fileName}</strong>: {t("bulk.previewSummary", { rows: csv.rows.length, good, bad: bad.length })}
      </p>
      {csv.tooMany ? <div class="alert alert-warn">{t("bulk.tooMany", { max: MAX_ROWS })}</div> : null}
      {bad.length ? <div class="alert alert-warn">{t("bulk.badRowsNote", { count: bad.length })}</div> : null}
      {csv.rows.length === 0 ? <div class="alert alert-error">{t("bulk.emptyCsv")}</div> : null}
      {shown.length ? (
        <div class="table-scroll" tabIndex={0} role="region" aria-label={t("bulk.preview")}>
          <table class="table table-compact">
            <caption class="visually-hidden">{t("bulk.preview")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("bulk.line")}</th>
                <th scope="col">{t("bulk.name")}</th>
                <th scope="col">{t("bulk.email")}</th>
                <th scope="col">{t("bulk.org")}</th>
                <th scope="col">{t("bulk.municipality")}</th>
                <th scope="col">{t("bulk.check")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.line} class={r.problems.length ? "row-bad" : ""}>
                  <td>{r.line}</td>
                  <td>{r.name || "—"}</td>
                  <td>{r.email || "—"}</td>
                  <td>{r.org || "—"}</td>
                  <td>{r.municipality || "—"}</td>
                  <td>
                    {r.problems.length ? (
                      <span class="problem">⚠ {r.problems.map((p) => t(p.key, p.params)).join("; ")}</span>
                    ) : (
                      <span class="ok">✓ {t("bulk.rowOk")}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {csv.rows.length > shown.length ? <p class="muted">{t("bulk.moreRows", { count: csv.rows.length - shown.length })}</p> : null}
    </div>
  );
}

function JobProgress(props: { job: BulkJob; recipients: RecipientRow[]; onUpdate: (job: BulkJob) => void; onReset: () => void }) {
  const { t, dateTime, number } = useI18n();
  const { job } = props;
  const [live, setLive] = useState<"live" | "polling">("live");
  const onUpdate = useRef(props.onUpdate);
  onUpdate.current = props.onUpdate;
  const processed = job.issued + job.skipped + job.failed;
  const pct = job.total ? (100 * processed) / job.total : FINISHED.has(job.status) ? 100 : 0;
  const finished = FINISHED.has(job.status);

  useEffect(() => {
    let poll: ReturnType<typeof setInterval> | null = null;
    const refresh = () =>
      gql<{ bulkIssueJob: BulkJob | null }>(`query Job($id: ID!) { bulkIssueJob(id: $id) { ${JOB_FIELDS} } }`, { id: job.id }).then(
        (d) => d.bulkIssueJob && onUpdate.current(d.bulkIssueJob),
        () => {},
      );
    const stop = subscribe<{ bulkIssueProgress: BulkJob }>(
      `subscription Progress($id: ID!) { bulkIssueProgress(jobId: $id) { ${JOB_FIELDS} } }`,
      { id: job.id },
      (d) => onUpdate.current(d.bulkIssueProgress),
      () => {
        // The live channel failed (proxy without WebSocket, server restart): keep the bar moving by polling.
        setLive("polling");
        poll ??= setInterval(refresh, 1500);
      },
      () => void refresh(),
    );
    return () => {
      stop();
      if (poll) clearInterval(poll);
    };
  }, [job.id]);

  useEffect(() => {
    if (finished && live === "polling") setLive("live");
  }, [finished]);

  function downloadResult() {
    const failedBy = new Map(job.failures.map((f) => [f.recipient, f.reason]));
    const rows = props.recipients.map((r) => {
      const reason = failedBy.get(r.email) ?? failedBy.get(r.learnerId) ?? failedBy.get(r.name);
      return [r.name, r.email, r.org, r.municipality, r.learnerId, reason ? "failed" : "ok", reason ?? ""];
    });
    const extra = props.recipients.length ? [] : job.failures.map((f) => [f.recipient, "", "", "", "", "failed", f.reason]);
    const summary = `# job ${job.id}; status ${job.status}; total ${job.total}; issued ${job.issued}; skipped ${job.skipped}; failed ${job.failed}\n`;
    downloadText(
      `bulk-issue-${job.id}.csv`,
      summary + toCsv(["name", "email", "org", "municipality", "learnerId", "outcome", "reason"], [...rows, ...extra]),
    );
  }

  return (
    <div class="panel job" data-job-status={job.status}>
      <div class="module-head">
        <h2>{finished ? t("bulk.jobDone") : t("bulk.jobTitle")}</h2>
        <StatusBadge tone={JOB_TONE[job.status]}>{t(`jobStatus.${job.status}` as MessageKey)}</StatusBadge>
      </div>
      <ProgressBar value={pct} label={t("bulk.progress")} />
      <p role="status" aria-live="polite">
        {t("bulk.counts", {
          processed: number(processed),
          total: number(job.total),
          issued: number(job.issued),
          skipped: number(job.skipped),
          failed: number(job.failed),
        })}
      </p>
      <p class="muted">
        {t("bulk.started", { at: dateTime(job.createdAt) })}
        {job.finishedAt ? ` · ${t("bulk.finished", { at: dateTime(job.finishedAt) })}` : ""}
        {!finished ? ` · ${live === "live" ? t("bulk.live") : t("bulk.polling")}` : ""}
      </p>
      {job.failures.length ? (
        <>
          <h3>{t("bulk.failures")}</h3>
          <div class="table-scroll" tabIndex={0} role="region" aria-label={t("bulk.failures")}>
            <table class="table table-compact">
              <thead>
                <tr>
                  <th scope="col">{t("bulk.recipient")}</th>
                  <th scope="col">{t("bulk.reason")}</th>
                </tr>
              </thead>
              <tbody>
                {job.failures.map((f, i) => (
                  <tr key={i}>
                    <td>{f.recipient}</td>
                    <td>{f.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <div class="form-actions">
        <button type="button" class="button" onClick={downloadResult} disabled={!finished}>
          ↓ {t("bulk.downloadResult")}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onReset} disabled={!finished}>
          {t("bulk.another")}
        </button>
      </div>
    </div>
  );
}

function RecentJobs({ courseId }: { courseId: string }) {
  const { t, dateTime } = useI18n();
  const { data } = useQuery<{ bulkIssueJobs: BulkJob[] }>(
    `query Jobs($c: ID) { bulkIssueJobs(courseId: $c) { ${JOB_FIELDS} } }`,
    { c: courseId },
    [courseId],
  );
  if (!data?.bulkIssueJobs.length) return null;
  return (
    <>
      <h2>{t("bulk.recent")}</h2>
      <div class="table-scroll">
        <table class="table table-compact">
          <thead>
            <tr>
              <th scope="col">{t("bulk.startedAt")}</th>
              <th scope="col">{t("teach.status")}</th>
              <th scope="col">{t("bulk.total")}</th>
              <th scope="col">{t("bulk.issued")}</th>
              <th scope="col">{t("bulk.failedCount")}</th>
            </tr>
          </thead>
          <tbody>
            {data.bulkIssueJobs.slice(0, 10).map((j) => (
              <tr key={j.id}>
                <td>{dateTime(j.createdAt)}</td>
                <td>{t(`jobStatus.${j.status}` as MessageKey)}</td>
                <td>{j.total}</td>
                <td>{j.issued}</td>
                <td>{j.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

interface AdminCertificate {
  id: string;
  code: string;
  learnerName: string;
  courseTitle: string;
  issuedAt: string;
  status: "VALID" | "REVOKED";
  revokedAt: string | null;
  revocationReason: string | null;
}

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
  const { data, error, loading, reload } = useQuery<{ certificates: AdminCertificate[] } | null>(
    `query Certs($c: ID) { certificates(courseId: $c) { id code learnerName courseTitle issuedAt status revokedAt revocationReason } }`,
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
      await gql(`mutation Revoke($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { id status } }`, {
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

interface ReportCourse {
  id: string;
  title: string;
  stats: CourseStatsData | null;
}

function merge(groups: CourseStatsData["byOrg"][]): CourseStatsData["byOrg"] {
  const totals = new Map<string, { key: string; enrolled: number; completed: number }>();
  for (const g of groups.flat()) {
    const t = totals.get(g.key) ?? { key: g.key, enrolled: 0, completed: 0 };
    t.enrolled += g.enrolled;
    t.completed += g.completed;
    totals.set(g.key, t);
  }
  return [...totals.values()].sort((a, b) => b.enrolled - a.enrolled);
}

export function ReportsPage() {
  const { t, lang } = useI18n();
  const [courseId, setCourseId] = useState("");
  const { data, error, loading } = useQuery<{ courses: { nodes: ReportCourse[] } }>(
    `query Reports($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) ${STATS_FIELDS} } } }`,
    { ui: lang },
    [lang],
  );
  const courses = (data?.courses.nodes ?? []).filter((c) => c.stats && (!courseId || c.id === courseId));
  const stats: CourseStatsData = {
    enrolled: courses.reduce((n, c) => n + c.stats!.enrolled, 0),
    completed: courses.reduce((n, c) => n + c.stats!.completed, 0),
    certificatesIssued: courses.reduce((n, c) => n + c.stats!.certificatesIssued, 0),
    byOrg: merge(courses.map((c) => c.stats!.byOrg)),
    byMunicipality: merge(courses.map((c) => c.stats!.byMunicipality)),
  };
  function download() {
    const rows = courses.flatMap((c) => [
      ...c.stats!.byOrg.map((g) => [c.title, "country", g.key, g.enrolled, g.completed]),
      ...c.stats!.byMunicipality.map((g) => [c.title, "municipality", g.key, g.enrolled, g.completed]),
    ]);
    downloadText("kentbilim-report.csv", toCsv(["course", "group", "key", "enrolled", "completed"], rows));
  }
  return (
    <section>
      <PageTitle>{t("reports.title")}</PageTitle>
      <div class="filters">
        <CourseSelect id="report-course" value={courseId} onChange={setCourseId} allowAll status={null} />
        <div class="field field-button">
          <button type="button" class="button button-secondary" onClick={download} disabled={!courses.length}>
            ↓ {t("reports.download")}
          </button>
        </div>
      </div>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : <CourseStats stats={stats} />}
    </section>
  );
}
