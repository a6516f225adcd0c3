// Bulk issuance: the server's dry-run preview, then the job with live progress.
// The recipient rules (columns, checks, duplicates) live on the server only: the page sends the CSV's text
// as it is, shows what the dry run says of each row, and starts the job with the same text.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql, subscribe } from "../../api";
import { downloadText, toCsv } from "../../csv";
import { graphql } from "../../gql";
import type { BulkJobFieldsFragment, BulkRowFieldsFragment, JobRowsQuery, PreviewBulkMutation } from "../../gql/graphql";
import { countryName } from "../../country";
import { useI18n, type Lang, type MessageKey, type Translate } from "../../i18n";
import { Dialog, ErrorMessage, Loading, PageTitle, ProgressBar, StatusBadge, useQuery } from "../../components/ui";
import { CourseSelect } from "./courses";
import { PrintBatchPanel } from "./print";

graphql(`fragment BulkJobFields on BulkIssueJob {
  id courseId status dryRun total issued skipped refused failed createdAt finishedAt
}`);
graphql(`fragment BulkRowFields on BulkIssueRow {
  row name learnerId email org municipality outcome reasonCode reason certificateCode
}`);

// Problem rows first (they need attention), then the first rows that would be issued.
const PREVIEW = graphql(`mutation PreviewBulk($input: BulkIssueInput!) {
  startBulkIssue(input: $input, dryRun: true) {
    ...BulkJobFields
    refusedRows: rows(outcome: REFUSED, first: 250) { totalCount nodes { ...BulkRowFields } }
    skippedRows: rows(outcome: SKIPPED, first: 250) { totalCount nodes { ...BulkRowFields } }
    readyRows: rows(outcome: ISSUED, first: 250) { totalCount nodes { ...BulkRowFields } }
  }
}`);
const START = graphql(`mutation StartBulk($input: BulkIssueInput!) { startBulkIssue(input: $input) { ...BulkJobFields } }`);
const JOB = graphql(`query Job($id: ID!) { bulkIssueJob(id: $id) { ...BulkJobFields } }`);
const JOB_ROWS = graphql(`query JobRows($id: ID!, $after: String) {
  bulkIssueJob(id: $id) { rows(first: 1000, after: $after) { nodes { ...BulkRowFields } pageInfo { endCursor hasNextPage } } }
}`);
const PROGRESS = graphql(`subscription Progress($id: ID!) { bulkIssueProgress(jobId: $id) { ...BulkJobFields } }`);
const JOBS = graphql(`query Jobs($c: ID) { bulkIssueJobs(courseId: $c) { ...BulkJobFields } }`);

type BulkJob = BulkJobFieldsFragment;
type Preview = PreviewBulkMutation["startBulkIssue"];
const FINISHED = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const JOB_TONE = { QUEUED: "neutral", RUNNING: "warn", COMPLETED: "ok", FAILED: "bad", CANCELLED: "neutral" } as const;
const REASONS = new Set([
  "MISSING_NAME",
  "MIXED_SCRIPT",
  "NAME_TOO_LONG",
  "FIELD_TOO_LONG",
  "INVALID_CHARACTERS",
  "INVALID_EMAIL",
  "UNKNOWN_ORG",
  "OTHER_STATE",
  "MALFORMED_ROW",
  "DUPLICATE_IN_INPUT",
  "ALREADY_CERTIFIED",
  "RENDER_FAILED",
  "ISSUE_CONFLICT",
  "ISSUE_FAILED",
  "CANCELLED",
]);

/** The reason in the UI language; the server's English sentence when the code is new to this client. */
function reasonText(t: Translate, row: BulkRowFieldsFragment): string {
  if (row.reasonCode && REASONS.has(row.reasonCode)) return t(`bulkReason.${row.reasonCode}` as MessageKey);
  return row.reason ?? row.reasonCode ?? "";
}

/** The result's sections, in this order; PENDING only shows for a job that ended before reaching a row. */
const OUTCOMES = ["ISSUED", "SKIPPED", "REFUSED", "FAILED", "PENDING"] as const;
type Outcome = (typeof OUTCOMES)[number];

/**
 * The status to show. The service marks a job RUNNING when a worker reports its first chunk, but rows
 * refused at submission count as processed from the start: a bar already moving beside "Queued" is
 * wrong, so QUEUED shows only before any row was processed.
 */
export function shownStatus(job: BulkJob): BulkJob["status"] {
  const processed = job.issued + job.skipped + job.refused + job.failed;
  return job.status === "QUEUED" && processed > 0 ? "RUNNING" : job.status;
}

/** Every row of a stored job, in input order, as the server recorded it (pages of 1000). */
async function fetchAllRows(jobId: string): Promise<BulkRowFieldsFragment[]> {
  const rows: BulkRowFieldsFragment[] = [];
  let after: string | null = null;
  do {
    const page: JobRowsQuery = await gql(JOB_ROWS, { id: jobId, after });
    const connection = page.bulkIssueJob?.rows;
    if (!connection) break;
    rows.push(...connection.nodes);
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return rows;
}

/**
 * The result file: every input row with its outcome, the reason in the UI language (and its stable
 * code), and the certificate code. Column names stay fixed so that a spreadsheet or script can rely on them.
 */
export function resultCsv(t: Translate, job: BulkJob, rows: BulkRowFieldsFragment[]): string {
  const summary = `# job ${job.id}; status ${job.status}; total ${job.total}; issued ${job.issued}; skipped ${job.skipped}; refused ${job.refused}; failed ${job.failed}\n`;
  return (
    summary +
    toCsv(
      ["row", "name", "email", "org", "municipality", "learnerId", "outcome", "reasonCode", "reason", "certificateCode"],
      rows.map((r) => [
        r.row,
        r.name,
        r.email,
        r.org,
        r.municipality,
        r.learnerId,
        r.outcome,
        r.reasonCode,
        r.outcome === "ISSUED" ? "" : reasonText(t, r),
        r.certificateCode,
      ]),
    )
  );
}

export function BulkIssuePage() {
  const { t } = useI18n();
  const [courseId, setCourseId] = useState("");
  const [mode, setMode] = useState<"csv" | "eligible">("csv");
  const [csv, setCsv] = useState<string | null>(null);
  const [fileName, setFileName] = useState("");
  const [preview, setPreview] = useState<{ job: Preview | null; error: unknown; loading: boolean }>({
    job: null,
    error: null,
    loading: false,
  });
  const [confirming, setConfirming] = useState(false);
  const [job, setJob] = useState<BulkJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = courseId
    ? mode === "eligible"
      ? { courseId, allEligible: true }
      : csv !== null
        ? { courseId, csv }
        : null
    : null;

  useEffect(() => {
    if (!input) {
      setPreview({ job: null, error: null, loading: false });
      return;
    }
    let live = true;
    setPreview({ job: null, error: null, loading: true });
    gql(PREVIEW, { input }).then(
      (d) => live && setPreview({ job: d.startBulkIssue, error: null, loading: false }),
      (err) => live && setPreview({ job: null, error: err, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [courseId, mode, csv]);

  const willIssue = preview.job?.issued ?? 0;
  const leftOut = (preview.job?.refused ?? 0) + (preview.job?.skipped ?? 0);
  const ready = !!input && (mode === "eligible" || willIssue > 0);

  async function readFile(file: File) {
    setFileName(file.name);
    setCsv(await file.text());
  }

  async function start() {
    if (!input) return;
    setBusy(true);
    setError(null);
    try {
      const data = await gql(START, { input });
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
          ) : (
            <p class="muted">{t("bulk.eligibleHelp")}</p>
          )}
          {csv !== null && !courseId && mode === "csv" ? <p class="muted">{t("bulk.chooseCourseFirst")}</p> : null}
          {preview.loading ? <Loading /> : null}
          <ErrorMessage error={preview.error} />
          {preview.job ? <Summary preview={preview.job} fileName={mode === "csv" ? fileName : ""} /> : null}
          <ErrorMessage error={error} />
          <div class="form-actions">
            <button type="button" class="button" disabled={!ready} onClick={() => setConfirming(true)}>
              {mode === "eligible" ? t("bulk.issueEligible") : t("bulk.issueN", { count: willIssue })}
            </button>
          </div>
        </div>
      )}
      {confirming ? (
        <Dialog title={t("bulk.confirmTitle")} onClose={() => setConfirming(false)}>
          <p>{mode === "eligible" ? t("bulk.confirmEligible") : t("bulk.confirmCsv", { count: willIssue })}</p>
          {leftOut && mode === "csv" ? <p class="muted">{t("bulk.confirmSkipped", { count: leftOut })}</p> : null}
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

function Summary({ preview, fileName }: { preview: Preview; fileName: string }) {
  const { t, lang } = useI18n();
  const bad = [...preview.refusedRows.nodes, ...preview.skippedRows.nodes].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  const shown = [...bad, ...preview.readyRows.nodes.slice(0, Math.max(0, 250 - bad.length))];
  const problems = preview.refused + preview.skipped;
  return (
    <div class="csv-preview">
      <p role="status" aria-live="polite">
        {fileName ? <strong>{fileName}: </strong> : null}
        {t("bulk.previewSummary", {
          rows: t("bulk.rowCount", { count: preview.total }),
          ready: preview.issued,
          skipped: preview.skipped,
          refused: preview.refused,
        })}
      </p>
      {problems ? <div class="alert alert-warn">{t("bulk.badRowsNote", { count: problems })}</div> : null}
      {preview.total === 0 ? <div class="alert alert-error">{t("bulk.emptyCsv")}</div> : null}
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
              {shown.map((r, i) => (
                <tr key={r.row ?? `n${i}`} class={r.outcome === "REFUSED" ? "row-bad" : r.outcome === "SKIPPED" ? "row-skip" : ""}>
                  <td>{r.row ?? "—"}</td>
                  <td>{r.name || "—"}</td>
                  <td>{r.email || "—"}</td>
                  <td>{countryName(t, lang, r.org)}</td>
                  <td>{r.municipality || "—"}</td>
                  <td>
                    {r.outcome === "ISSUED" ? (
                      <span class="ok">✓ {t("bulk.rowOk")}</span>
                    ) : (
                      <span class="problem" title={r.reason ?? undefined}>
                        ⚠ {t(`bulk.outcome.${r.outcome === "SKIPPED" ? "SKIPPED" : "REFUSED"}`)}: {reasonText(t, r)}
                        {r.reason ? (
                          <small class="reason-detail" lang="en">
                            {" "}
                            ({r.reason})
                          </small>
                        ) : null}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {preview.total > shown.length ? <p class="muted">{t("bulk.moreRows", { count: preview.total - shown.length })}</p> : null}
    </div>
  );
}

function JobProgress(props: { job: BulkJob; onUpdate: (job: BulkJob) => void; onReset: () => void }) {
  const { t, lang, dateTime, number } = useI18n();
  const { job } = props;
  const [live, setLive] = useState<"live" | "polling">("live");
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [result, setResult] = useState<{ rows: BulkRowFieldsFragment[] | null; error: unknown }>({ rows: null, error: null });
  const onUpdate = useRef(props.onUpdate);
  onUpdate.current = props.onUpdate;
  const processed = job.issued + job.skipped + job.refused + job.failed;
  const pct = job.total ? (100 * processed) / job.total : FINISHED.has(job.status) ? 100 : 0;
  const finished = FINISHED.has(job.status);
  const status = shownStatus(job);

  useEffect(() => {
    let poll: ReturnType<typeof setInterval> | null = null;
    const refresh = () =>
      gql(JOB, { id: job.id }).then(
        (d) => d.bulkIssueJob && onUpdate.current(d.bulkIssueJob),
        () => {},
      );
    const stop = subscribe(
      PROGRESS,
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

  // Once the job has ended, every input row with what became of it (refused rows included).
  useEffect(() => {
    if (!finished) return;
    let current = true;
    setResult({ rows: null, error: null });
    fetchAllRows(job.id).then(
      (rows) => current && setResult({ rows, error: null }),
      (error) => current && setResult({ rows: null, error }),
    );
    return () => {
      current = false;
    };
  }, [job.id, finished]);

  async function downloadResult() {
    setDownloadError(null);
    try {
      const rows = result.rows ?? (await fetchAllRows(job.id));
      downloadText(`bulk-issue-${job.id}.csv`, resultCsv(t, job, rows));
    } catch (err) {
      setDownloadError(err);
    }
  }

  const counts: Record<Outcome, number> = {
    ISSUED: job.issued,
    SKIPPED: job.skipped,
    REFUSED: job.refused,
    FAILED: job.failed,
    PENDING: Math.max(0, job.total - processed),
  };

  return (
    <div class="panel job" data-job-status={job.status}>
      <div class="module-head">
        <h2>{finished ? t("bulk.jobDone") : t("bulk.jobTitle")}</h2>
        <StatusBadge tone={JOB_TONE[status]}>{t(`jobStatus.${status}` as MessageKey)}</StatusBadge>
      </div>
      <ProgressBar value={pct} label={t("bulk.progress")} />
      <p role="status" aria-live="polite">
        {t("bulk.counts", {
          processed: number(processed),
          total: number(job.total),
          issued: number(job.issued),
          skipped: number(job.skipped),
          refused: number(job.refused),
          failed: number(job.failed),
        })}
      </p>
      <p class="muted">
        {t("bulk.started", { at: dateTime(job.createdAt) })}
        {job.finishedAt ? ` · ${t("bulk.finished", { at: dateTime(job.finishedAt) })}` : ""}
        {!finished ? ` · ${live === "live" ? t("bulk.live") : t("bulk.polling")}` : ""}
      </p>
      <dl class="stat-tiles bulk-tiles">
        {OUTCOMES.filter((o) => o !== "PENDING" || (finished && counts.PENDING > 0)).map((o) => (
          <div key={o} data-outcome={o}>
            <dt>{t(`bulk.outcomeTitle.${o}` as MessageKey)}</dt>
            <dd>{number(counts[o])}</dd>
          </div>
        ))}
      </dl>
      {finished ? <ErrorMessage error={result.error} /> : null}
      {finished && !result.rows && !result.error ? <Loading /> : null}
      {result.rows ? <ResultSections rows={result.rows} lang={lang} /> : null}
      <ErrorMessage error={downloadError} />
      {finished && job.issued > 0 ? <PrintBatchPanel jobId={job.id} /> : null}
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

/** The finished job's rows in one section per outcome: every input row appears in exactly one. */
function ResultSections({ rows, lang }: { rows: BulkRowFieldsFragment[]; lang: Lang }) {
  const { t, number } = useI18n();
  const groups = OUTCOMES.map((o) => ({ outcome: o, rows: rows.filter((r) => r.outcome === o) })).filter(
    (g) => g.rows.length > 0,
  );
  return (
    <div class="bulk-result">
      {groups.map(({ outcome, rows: list }) => {
        const heading = `${t(`bulk.outcomeTitle.${outcome}` as MessageKey)} (${number(list.length)})`;
        return (
          <div key={outcome} class="bulk-result-section" data-outcome={outcome}>
            <h3>{heading}</h3>
            <div class="table-scroll" tabIndex={0} role="region" aria-label={heading}>
              <table class="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">{t("bulk.line")}</th>
                    <th scope="col">{t("bulk.name")}</th>
                    <th scope="col">{t("bulk.email")}</th>
                    <th scope="col">{t("bulk.org")}</th>
                    <th scope="col">{t("bulk.municipality")}</th>
                    {outcome === "ISSUED" ? null : <th scope="col">{t("bulk.reason")}</th>}
                    <th scope="col">{t("bulk.certificateCode")}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((r, i) => (
                    <tr key={r.row ?? `n${i}`} class={outcome === "ISSUED" ? "" : outcome === "SKIPPED" ? "row-skip" : "row-bad"}>
                      <td>{r.row ?? "—"}</td>
                      <td>{r.name || "—"}</td>
                      <td>{r.email || "—"}</td>
                      <td>{countryName(t, lang, r.org)}</td>
                      <td>{r.municipality || "—"}</td>
                      {outcome === "ISSUED" ? null : <td>{reasonText(t, r) || "—"}</td>}
                      <td>{r.certificateCode ? <code>{r.certificateCode}</code> : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </div>
  );
}

function RecentJobs({ courseId }: { courseId: string }) {
  const { t, dateTime } = useI18n();
  const { data } = useQuery(JOBS, { c: courseId }, [courseId]);
  const [printing, setPrinting] = useState<string | null>(null);
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
              <th scope="col">{t("bulk.outcomeTitle.SKIPPED")}</th>
              <th scope="col">{t("bulk.outcomeTitle.REFUSED")}</th>
              <th scope="col">{t("bulk.failedCount")}</th>
              <th scope="col">
                <span class="visually-hidden">{t("print.open")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.bulkIssueJobs.slice(0, 10).map((j) => (
              <tr key={j.id}>
                <td>{dateTime(j.createdAt)}</td>
                <td>{t(`jobStatus.${shownStatus(j)}` as MessageKey)}</td>
                <td>{j.total}</td>
                <td>{j.issued}</td>
                <td>{j.skipped}</td>
                <td>{j.refused}</td>
                <td>{j.failed}</td>
                <td>
                  {j.issued > 0 && FINISHED.has(j.status) && j.status !== "FAILED" ? (
                    <button
                      type="button"
                      class="button button-secondary"
                      aria-pressed={printing === j.id}
                      onClick={() => setPrinting(printing === j.id ? null : j.id)}
                    >
                      {t("print.open")}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {printing ? <PrintBatchPanel key={printing} jobId={printing} /> : null}
    </>
  );
}
