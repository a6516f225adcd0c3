// Check-in at a live session (issue 15), the trainer's side: the projector page (a large QR code of a
// code that rotates every 30 s) and the attendance list (search, "mark present", CSV), usable on a phone.
import { useEffect, useMemo, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { ErrorMessage, Loading, PageTitle, QrCode, useQuery } from "../../components/ui";
import { Link } from "../../router";

const ROTATE_MS = 30_000;

const OPEN = graphql(`
  mutation OpenCheckIn($l: ID!, $m: Int) { openCheckIn(lessonId: $l, minutes: $m) { code url expiresAt closesAt } }
`);

const ATTENDANCE = graphql(`
  query SessionAttendance($c: ID!, $l: ID!, $ui: String) {
    course(id: $c) {
      id
      title(lang: $ui)
      modules { lessons { id title(lang: $ui) } }
      attendance(lessonId: $l) { learnerId learnerName org municipality present checkedInAt method }
    }
  }
`);

const MARK = graphql(`
  mutation MarkAttendance($l: ID!, $who: [ID!]!, $p: Boolean!) {
    markAttendance(lessonId: $l, learnerIds: $who, present: $p) { learnerId present checkedInAt method }
  }
`);

const CSV = graphql(`query AttendanceCsv($c: ID!, $l: ID!) { course(id: $c) { id attendanceCsvUrl(lessonId: $l) } }`);

type Code = { code: string; url: string; expiresAt: string; closesAt: string };

/** The projector page: full-width QR code and the code in large letters, a fresh one every 30 s. */
export function ProjectorPage({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { t, lang } = useI18n();
  const [code, setCode] = useState<Code | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { data, reload } = useQuery(ATTENDANCE, { c: courseId, l: lessonId, ui: lang }, [courseId, lessonId, lang]);
  const present = data?.course?.attendance?.filter((a) => a.present).length ?? 0;
  const lesson = data?.course?.modules.flatMap((m) => m.lessons).find((l) => l.id === lessonId);

  useEffect(() => {
    let stopped = false;
    async function rotate() {
      try {
        const answer = await gql(OPEN, { l: lessonId, m: null });
        if (!stopped) {
          setCode(answer.openCheckIn);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) reload();
    }
    void rotate();
    const timer = window.setInterval(rotate, ROTATE_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [lessonId]);

  return (
    <section class="projector">
      <PageTitle>{lesson?.title ?? t("checkin.projectorTitle")}</PageTitle>
      <p class="lead">{t("checkin.projectorIntro")}</p>
      <ErrorMessage error={error} />
      {code ? (
        <div class="projector-code">
          <QrCode value={code.url} label={t("checkin.qrLabel")} />
          <p class="projector-letters" data-testid="checkin-code" aria-live="polite">
            {code.code}
          </p>
          <p class="muted">{t("checkin.rotates")}</p>
        </div>
      ) : error ? null : (
        <Loading />
      )}
      <p data-testid="present-count">{t("checkin.presentCount", { count: present })}</p>
      <p>
        <Link href={`/teach/courses/${encodeURIComponent(courseId)}/sessions/${encodeURIComponent(lessonId)}/attendance`}>
          {t("checkin.toAttendance")}
        </Link>
      </p>
    </section>
  );
}

/** Lower case and without diacritics, so "eliyev" finds "Əliyev" (ASCII folding, never locale rules). */
function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[əƏ]/g, "e")
    .replace(/[ıİI]/g, "i")
    .toLowerCase();
}

/** The attendance list: every admitted learner, search, a present/absent toggle per row, CSV. */
export function AttendancePage({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { t, lang, date } = useI18n();
  const [search, setSearch] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const { data, error, loading, reload } = useQuery(ATTENDANCE, { c: courseId, l: lessonId, ui: lang }, [
    courseId,
    lessonId,
    lang,
  ]);
  const rows = data?.course?.attendance ?? [];
  const lesson = data?.course?.modules.flatMap((m) => m.lessons).find((l) => l.id === lessonId);
  const shown = useMemo(() => {
    const words = fold(search).split(/\s+/).filter(Boolean);
    return rows.filter((r) => {
      const hay = fold([r.learnerName, r.org ?? "", r.municipality ?? ""].join(" "));
      return words.every((w) => hay.includes(w));
    });
  }, [rows, search]);

  async function toggle(learnerId: string, present: boolean) {
    setBusy(learnerId);
    setActionError(null);
    try {
      await gql(MARK, { l: lessonId, who: [learnerId], p: present });
      reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  }

  async function downloadCsv() {
    setActionError(null);
    try {
      const answer = await gql(CSV, { c: courseId, l: lessonId });
      const url = answer.course?.attendanceCsvUrl;
      if (url) window.location.assign(url);
    } catch (e) {
      setActionError(e);
    }
  }

  return (
    <section class="attendance">
      <PageTitle>{t("attendance.title", { session: lesson?.title ?? "" })}</PageTitle>
      <p class="lead">
        {t("attendance.summary", { present: rows.filter((r) => r.present).length, total: rows.length })}
      </p>
      <div class="filters">
        <div class="field">
          <label for="attendance-search">{t("attendance.search")}</label>
          <input
            id="attendance-search"
            type="search"
            value={search}
            autocomplete="off"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
        <button type="button" class="button button-secondary" onClick={downloadCsv}>
          {t("attendance.csv")}
        </button>
      </div>
      <ErrorMessage error={error} />
      <ErrorMessage error={actionError} />
      {loading && !data ? <Loading /> : null}
      {data && shown.length === 0 ? <p class="empty">{t("attendance.none")}</p> : null}
      <ul class="attendance-list" data-testid="attendance">
        {shown.map((r) => (
          <li key={r.learnerId} class="attendance-row" data-learner={r.learnerId} data-present={String(r.present)}>
            <div class="attendance-who">
              <strong>{r.learnerName}</strong>
              <span class="muted">{[r.org, r.municipality].filter(Boolean).join(" · ")}</span>
              <span class="muted">
                {r.present
                  ? t(r.method === "TRAINER" ? "attendance.byTrainer" : "attendance.byCode", {
                      when: r.checkedInAt ? date(r.checkedInAt) : "",
                    })
                  : t("attendance.absent")}
              </span>
            </div>
            <button
              type="button"
              class={`button button-small ${r.present ? "button-secondary" : ""}`}
              aria-pressed={r.present}
              disabled={busy === r.learnerId}
              onClick={() => toggle(r.learnerId, !r.present)}
              aria-label={`${t(r.present ? "attendance.markAbsent" : "attendance.markPresent")} — ${r.learnerName}`}
            >
              {busy === r.learnerId ? t("common.working") : t(r.present ? "attendance.markAbsent" : "attendance.markPresent")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
