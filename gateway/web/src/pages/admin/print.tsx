// Print batches: a finished bulk job's certificates as one merged PDF (alphabetical in the certificates'
// language) or as a ZIP of PDFs named after the learners. The workers write the file; the page polls its
// progress and asks for a fresh download link when the admin clicks (a stored link would have expired).
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import type { PrintBatchFieldsFragment, PrintFormat } from "../../gql/graphql";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorMessage, ProgressBar, StatusBadge } from "../../components/ui";
import { openStorageUrl } from "../learner/player";

graphql(`fragment PrintBatchFields on PrintBatch {
  id status format lang total done progress error waitingReason size createdAt finishedAt
}`);
const START_PRINT = graphql(`mutation StartPrint($input: PrintBatchInput!) { startPrintBatch(input: $input) { ...PrintBatchFields } }`);
const PRINT_BATCH = graphql(`query PrintBatch($id: ID!) { printBatch(id: $id) { ...PrintBatchFields } }`);
const PRINT_LINK = graphql(`query PrintBatchLink($id: ID!) { printBatch(id: $id) { id downloadUrl } }`);
const RETRY_PRINT = graphql(`mutation RetryPrint($id: ID!) { retryPrintBatch(id: $id) { ...PrintBatchFields } }`);

const TONE = { QUEUED: "neutral", RUNNING: "warn", COMPLETED: "ok", FAILED: "bad" } as const;
const POLL_MS = 1000;

export function PrintBatchPanel({ jobId }: { jobId: string }) {
  const { t, number } = useI18n();
  const [format, setFormat] = useState<PrintFormat>("PDF");
  const [batch, setBatch] = useState<PrintBatchFieldsFragment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [linkFailed, setLinkFailed] = useState(false);
  const current = useRef(batch);
  current.current = batch;
  const finished = batch?.status === "COMPLETED" || batch?.status === "FAILED";

  useEffect(() => {
    if (!batch || finished) return;
    const timer = setInterval(() => {
      gql(PRINT_BATCH, { id: batch.id }).then(
        (d) => d.printBatch && current.current?.id === d.printBatch.id && setBatch(d.printBatch),
        () => {}, // a missed poll: the next one comes in a second
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [batch?.id, finished]);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const d = await gql(START_PRINT, { input: { format, jobId } });
      setBatch(d.startPrintBatch);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function retry() {
    if (!batch) return;
    setError(null);
    try {
      setBatch((await gql(RETRY_PRINT, { id: batch.id })).retryPrintBatch);
    } catch (err) {
      setError(err);
    }
  }

  async function download() {
    if (!batch) return;
    setBusy(true);
    setLinkFailed(false);
    try {
      // Asked for now: the link lives a few minutes only.
      const d = await gql(PRINT_LINK, { id: batch.id });
      const url = d.printBatch?.downloadUrl;
      if (!url) throw new Error("no download URL");
      openStorageUrl(url, `certificates-${batch.id.slice(0, 8)}.${batch.format.toLowerCase()}`);
    } catch {
      setLinkFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="panel print-batch" data-print-status={batch?.status ?? "NONE"}>
      <div class="module-head">
        <h2>{t("print.title")}</h2>
        {batch ? <StatusBadge tone={TONE[batch.status]}>{t(`jobStatus.${batch.status}` as MessageKey)}</StatusBadge> : null}
      </div>
      <p class="muted">{t("print.intro")}</p>
      {!batch ? (
        <>
          <fieldset class="field">
            <legend>{t("print.format")}</legend>
            <label class="option">
              <input type="radio" name="print-format" checked={format === "PDF"} onChange={() => setFormat("PDF")} />
              <span>{t("print.formatPdf")}</span>
            </label>
            <label class="option">
              <input type="radio" name="print-format" checked={format === "ZIP"} onChange={() => setFormat("ZIP")} />
              <span>{t("print.formatZip")}</span>
            </label>
          </fieldset>
          <div class="form-actions">
            <button type="button" class="button" onClick={start} disabled={busy}>
              {busy ? t("common.working") : t("print.start")}
            </button>
          </div>
        </>
      ) : (
        <>
          <ProgressBar value={batch.status === "COMPLETED" ? 100 : 100 * batch.progress} label={t("print.progress")} />
          <p role="status" aria-live="polite">
            {t("print.counts", { done: number(batch.done), total: number(batch.total) })}
          </p>
          {batch.waitingReason && !finished ? (
            <p class="muted">
              {t("print.waiting")}{" "}
              <small class="reason-detail" lang="en">
                ({batch.waitingReason})
              </small>
            </p>
          ) : null}
          {batch.status === "FAILED" ? (
            <div class="alert alert-error" role="alert">
              {t("print.failed")}{" "}
              <small class="reason-detail" lang="en">
                ({batch.error})
              </small>
            </div>
          ) : null}
          <div class="form-actions">
            {batch.status === "COMPLETED" ? (
              <button type="button" class="button" onClick={download} disabled={busy} aria-busy={busy}>
                ↓ {t(batch.format === "PDF" ? "print.downloadPdf" : "print.downloadZip")}
                {batch.size ? ` (${number(Math.max(0.1, Math.round(batch.size / 1e5) / 10))} MB)` : ""}
              </button>
            ) : null}
            {batch.status === "FAILED" ? (
              <button type="button" class="button" onClick={retry}>
                {t("print.retry")}
              </button>
            ) : null}
            {finished ? (
              <button type="button" class="button button-secondary" onClick={() => setBatch(null)}>
                {t("print.another")}
              </button>
            ) : null}
          </div>
          {linkFailed ? (
            <span class="alert alert-error" role="alert">
              {t("print.linkFailed")}
            </span>
          ) : null}
        </>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
