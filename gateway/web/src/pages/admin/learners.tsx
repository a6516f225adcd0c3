// The learner directory (issue 14): who has taken part, with enrolments, certificates and last activity.
// Admins see everyone, country admins their own state, trainers the learners of their courses (the
// server decides). The search is the server's (Turkic-aware: "Eliyev Ulvi" finds "Əliyev Ülvi"); pages are
// cursor-based, and "Load more" appends the next page and moves focus to its first learner.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../../api";
import { hasRole, useSession } from "../../auth";
import { Dialog, ErrorMessage, Loading, PageTitle, StatusBadge } from "../../components/ui";
import { useI18n, type MessageKey } from "../../i18n";
import { ERASE_LEARNER, LEARNER_DIRECTORY, LEARNER_EXPORT, type LearnerData, type LearnersVariables } from "./directoryOps";
import { StateSelect, stateName, useStateScope } from "./reports";

const PAGE_SIZE = 20;
const STATUSES = ["ACTIVE", "COMPLETED", "WITHDRAWN", "PENDING", "WAITLISTED", "REJECTED"];

interface Filters {
  search: string;
  org: string;
  municipality: string;
}

const REASON_MAX = 500;

/** Save a JSON value as a file the admin keeps (the learner's data export). */
function saveJson(value: unknown, filename: string): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The learner's data (issue 14, item 6), for admins and the learner's country admin: export everything
 * the platform holds about them as a JSON file, or erase them on request (their name becomes a
 * pseudonym everywhere and their certificates are revoked "erased on request"; docs/privacy.md).
 */
/** The certificate PDFs of an export: short-lived presigned links, offered next to the JSON file. */
function certificatePdfs(exported: unknown): { code: string; url: string }[] {
  const certs = (exported as { services?: { certificates?: { certificates?: unknown[] } } })?.services?.certificates
    ?.certificates;
  return (Array.isArray(certs) ? certs : [])
    .map((c) => c as { code?: unknown; pdfUrl?: unknown })
    .filter((c) => typeof c.code === "string" && typeof c.pdfUrl === "string")
    .map((c) => ({ code: c.code as string, url: c.pdfUrl as string }));
}

function LearnerDataActions({ learner, onErased }: { learner: LearnerData; onErased: (pseudonym: string) => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<"export" | "erase" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [exported, setExported] = useState(false);
  const [pdfs, setPdfs] = useState<{ code: string; url: string }[]>([]);

  async function exportData() {
    setBusy("export");
    setError(null);
    setExported(false);
    try {
      const { learnerExport } = await gql(LEARNER_EXPORT, { learnerId: learner.id });
      const day = new Date().toISOString().slice(0, 10);
      saveJson(learnerExport, `kentbilim-learner-${learner.id.replace(/[^A-Za-z0-9._-]/g, "_")}-${day}.json`);
      setPdfs(certificatePdfs(learnerExport));
      setExported(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function erase() {
    setBusy("erase");
    setError(null);
    try {
      const { eraseLearner } = await gql(ERASE_LEARNER, { learnerId: learner.id, reason: reason.trim() || null });
      setConfirming(false);
      onErased(eraseLearner.pseudonym);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="learner-data-actions">
      <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void exportData()}>
        {busy === "export" ? t("learners.exporting") : t("learners.export")}
      </button>{" "}
      <button type="button" class="button button-danger" disabled={busy !== null} onClick={() => setConfirming(true)}>
        {t("learners.erase")}
      </button>
      <p role="status" aria-live="polite" class="muted">
        {exported ? t("learners.exported") : ""}
      </p>
      {exported && pdfs.length ? (
        <ul class="plain-list export-pdfs">
          {pdfs.map((p) => (
            <li key={p.code}>
              <a href={p.url} target="_blank" rel="noopener" download={`${p.code}.pdf`}>
                {t("learners.exportPdf", { code: p.code })}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {!confirming ? <ErrorMessage error={error} /> : null}
      {confirming ? (
        <Dialog title={t("learners.eraseTitle", { name: learner.name })} onClose={() => setConfirming(false)}>
          <p>{t("learners.eraseExplain")}</p>
          <div class="field">
            <label for={`erase-reason-${learner.id}`}>{t("learners.eraseReason")}</label>
            <textarea
              id={`erase-reason-${learner.id}`}
              maxLength={REASON_MAX}
              rows={3}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </div>
          <ErrorMessage error={error} />
          <p class="dialog-actions">
            <button type="button" class="button button-danger" disabled={busy !== null} onClick={() => void erase()}>
              {busy === "erase" ? t("learners.erasing") : t("learners.eraseConfirm")}
            </button>{" "}
            <button type="button" class="button button-secondary" onClick={() => setConfirming(false)}>
              {t("learners.eraseCancel")}
            </button>
          </p>
        </Dialog>
      ) : null}
    </div>
  );
}

function LearnerCard({ learner, focus, manage }: { learner: LearnerData; focus: boolean; manage: boolean }) {
  const { t, date, number } = useI18n();
  const [pseudonym, setPseudonym] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const place = [learner.municipality, learner.org ? stateName(t, learner.org) : null].filter(Boolean).join(", ");
  return (
    <li class="card learner-card" data-learner-id={learner.id}>
      <h2 class="card-title" ref={heading} tabIndex={-1}>
        {pseudonym ?? learner.name}
      </h2>
      {pseudonym ? (
        <p class="notice" role="status">
          {t("learners.erased", { pseudonym })}
        </p>
      ) : null}
      <p class="card-meta">
        {place || "—"} · {learner.lastActiveAt ? t("learners.lastActive", { date: date(learner.lastActiveAt) }) : t("learners.neverActive")}
      </p>
      <div class="learner-columns">
        <div>
          <h3>{t("learners.enrollments", { count: learner.enrollments.length })}</h3>
          {learner.enrollments.length ? (
            <ul class="plain-list">
              {learner.enrollments.map((e) => (
                <li key={e.id}>
                  <strong>{e.course.title}</strong> —{" "}
                  {STATUSES.includes(e.status) ? t(`learners.status.${e.status}` as MessageKey) : e.status}, {number(Math.round(e.progressPercent))} % ·{" "}
                  {e.completedAt ? t("learning.completedOn", { date: date(e.completedAt) }) : t("learning.enrolledOn", { date: date(e.enrolledAt) })}
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{t("learners.noEnrollments")}</p>
          )}
        </div>
        <div>
          <h3>{t("learners.certificates", { count: learner.certificates.length })}</h3>
          {learner.certificates.length ? (
            <ul class="plain-list">
              {learner.certificates.map((c) => (
                <li key={c.id}>
                  <span class="code">{c.code}</span> {c.courseTitle} · {date(c.issuedAt)}{" "}
                  {c.status === "VALID" ? (
                    <StatusBadge tone="ok">{t("status.VALID")}</StatusBadge>
                  ) : (
                    <StatusBadge tone="bad">{t("status.REVOKED")}</StatusBadge>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{t("learners.noCertificates")}</p>
          )}
        </div>
      </div>
      {manage && !pseudonym ? <LearnerDataActions learner={learner} onErased={setPseudonym} /> : null}
    </li>
  );
}

export function LearnersPage() {
  const { t, lang, number } = useI18n();
  const { fixedOrg } = useStateScope();
  const session = useSession();
  // Trainers see their courses' learners; only admins and country admins export or erase (the server checks).
  const manage = hasRole(session, "admin") || hasRole(session, "country_admin");
  const [draft, setDraft] = useState<Filters>({ search: "", org: "", municipality: "" });
  const [applied, setApplied] = useState<Filters>(draft);
  const [nodes, setNodes] = useState<LearnerData[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasNext, setHasNext] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [focusFrom, setFocusFrom] = useState<number | null>(null);
  const generation = useRef(0);

  function variables(after: string | null): LearnersVariables {
    return {
      search: applied.search.trim() || null,
      org: fixedOrg ?? (applied.org || null),
      municipality: applied.municipality.trim() || null,
      first: PAGE_SIZE,
      after,
      ui: lang,
    };
  }

  async function load(after: string | null) {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const { learners } = await gql(LEARNER_DIRECTORY, variables(after));
      if (mine !== generation.current) return; // a newer search has started
      setNodes((old) => {
        setFocusFrom(after ? old.length : null);
        return after ? [...old, ...learners.nodes] : learners.nodes;
      });
      setTotal(learners.totalCount);
      setCursor(learners.pageInfo.endCursor);
      setHasNext(learners.pageInfo.hasNextPage);
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  useEffect(() => {
    void load(null);
  }, [applied, lang, fixedOrg]);

  return (
    <section class="learners-page">
      <PageTitle>{t("learners.title")}</PageTitle>
      <p class="lead">{fixedOrg ? t("learners.introState", { state: stateName(t, fixedOrg) }) : t("learners.intro")}</p>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...draft });
        }}
      >
        <div class="field grow">
          <label for="learners-search">{t("learners.search")}</label>
          <input
            id="learners-search"
            type="search"
            value={draft.search}
            maxLength={200}
            onInput={(e) => setDraft({ ...draft, search: e.currentTarget.value })}
          />
        </div>
        <StateSelect id="learners-state" value={draft.org} onChange={(org) => setDraft({ ...draft, org })} fixedOrg={fixedOrg} />
        <div class="field">
          <label for="learners-municipality">{t("learners.municipality")}</label>
          <input
            id="learners-municipality"
            type="text"
            value={draft.municipality}
            maxLength={200}
            onInput={(e) => setDraft({ ...draft, municipality: e.currentTarget.value })}
          />
        </div>
        <div class="field field-button">
          <button type="submit" class="button">
            {t("learners.searchButton")}
          </button>
        </div>
      </form>
      <p role="status" aria-live="polite" class="muted">
        {total === null ? "" : t("learners.found", { count: total })}
        {total !== null && nodes.length < total ? ` ${t("learners.shown", { shown: number(nodes.length), total: number(total) })}` : ""}
      </p>
      <ErrorMessage error={error} />
      {total === 0 && !loading ? <p class="empty">{t("learners.none")}</p> : null}
      {nodes.length ? (
        <ul class="learner-list">
          {nodes.map((l, i) => (
            <LearnerCard key={l.id} learner={l} focus={focusFrom !== null && i === focusFrom} manage={manage} />
          ))}
        </ul>
      ) : null}
      {loading ? <Loading /> : null}
      {hasNext && !loading ? (
        <p>
          <button type="button" class="button button-secondary" onClick={() => void load(cursor)}>
            {t("learners.loadMore")}
          </button>
        </p>
      ) : null}
    </section>
  );
}
