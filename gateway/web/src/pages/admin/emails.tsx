// Undelivered emails (issue 16): deliveries the mail server refused for good (SMTP 5xx, status PARKED),
// with the server's answer, for admins. "Send again" queues one again with the same Message-ID; if the
// server still refuses it, it comes back here.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n, type MessageKey } from "../../i18n";
import { ErrorMessage, Loading, PageTitle, StatusBadge } from "../../components/ui";

const PAGE_SIZE = 50;

const PARKED = graphql(`
  query ParkedEmails($first: Int, $after: String) {
    emailDeliveries(status: PARKED, first: $first, after: $after) {
      nodes { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
`);

const REPLAY = graphql(`
  mutation ReplayParkedEmail($id: ID!) {
    replayEmailDelivery(id: $id) { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }
  }
`);

type Delivery = {
  id: string;
  source: string;
  toAddress: string;
  status: string;
  attempts: number;
  lastError?: string | null;
  createdAt: string;
};

export function ParkedEmailsPage() {
  const { t, dateTime } = useI18n();
  const [rows, setRows] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);

  async function load(after: string | null) {
    const data = await gql(PARKED, { first: PAGE_SIZE, after });
    const page = data.emailDeliveries;
    setRows((old) => {
      const seen = new Set(after ? old.map((r) => r.id) : []);
      return [...(after ? old : []), ...page.nodes.filter((n) => !seen.has(n.id))];
    });
    setCursor(page.pageInfo.endCursor ?? null);
    setHasMore(page.pageInfo.hasNextPage);
    setTotal(page.totalCount);
  }

  useEffect(() => {
    load(null).then(
      () => setLoaded(true),
      (e) => {
        setError(e);
        setLoaded(true);
      },
    );
  }, []);

  async function loadMore() {
    setLoadingMore(true);
    setError(null);
    try {
      await load(cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  async function replay(row: Delivery) {
    setBusy(row.id);
    setRowError(null);
    try {
      const data = await gql(REPLAY, { id: row.id });
      const updated = data.replayEmailDelivery;
      setRows((old) => old.map((r) => (r.id === updated.id ? { ...r, ...updated } : r)));
    } catch (e) {
      setRowError({ id: row.id, error: e });
    } finally {
      setBusy(null);
    }
  }

  function sourceLabel(source: string): string {
    return t(`emails.source.${source === "DIGEST" ? "DIGEST" : "NOTIFICATION"}` as MessageKey);
  }

  return (
    <section class="parked-emails">
      <PageTitle>{t("emails.title")}</PageTitle>
      <p class="lead">{t("emails.intro")}</p>
      <ErrorMessage error={error} />
      {!loaded ? <Loading /> : null}
      {loaded && !error && rows.length === 0 ? (
        <p class="empty" data-testid="parked-emails-empty">
          {t("emails.none")}
        </p>
      ) : null}
      {rows.length ? (
        <>
          <p class="help" data-testid="parked-emails-count">
            {t("emails.count", { count: total })}
          </p>
          <ul class="parked-email-list" data-testid="parked-emails">
            {rows.map((r) => {
              const queued = r.status !== "PARKED";
              return (
                <li key={r.id} class="parked-email card" data-delivery={r.id} data-status={r.status}>
                  <div class="parked-email-head">
                    <span class="parked-email-address">{r.toAddress}</span>
                    <StatusBadge tone={queued ? "ok" : "bad"}>
                      {t(`emails.status.${queued ? "PENDING" : "PARKED"}` as MessageKey)}
                    </StatusBadge>
                  </div>
                  <dl class="parked-email-facts">
                    <dt>{t("emails.kind")}</dt>
                    <dd>{sourceLabel(r.source)}</dd>
                    <dt>{t("emails.answer")}</dt>
                    <dd>
                      <code class="parked-email-answer">{r.lastError || t("emails.noAnswer")}</code>
                    </dd>
                    <dt>{t("emails.attempts")}</dt>
                    <dd>{r.attempts}</dd>
                    <dt>{t("emails.when")}</dt>
                    <dd>{dateTime(r.createdAt)}</dd>
                  </dl>
                  {rowError?.id === r.id ? <ErrorMessage error={rowError.error} /> : null}
                  <div class="form-actions">
                    {queued ? (
                      <p class="help" role="status">
                        {t("emails.queued")}
                      </p>
                    ) : (
                      <button
                        type="button"
                        class="button button-small"
                        disabled={busy === r.id}
                        onClick={() => replay(r)}
                        aria-label={t("emails.replayFor", { address: r.toAddress })}
                      >
                        {busy === r.id ? t("common.working") : t("emails.replay")}
                      </button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
      {hasMore ? (
        <button type="button" class="button button-secondary" onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? t("common.working") : t("emails.loadMore")}
        </button>
      ) : null}
    </section>
  );
}
