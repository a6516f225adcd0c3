// A course's page: summary, modules and lessons, enrolment, progress and resume.
import { useState } from "preact/hooks";
import { gql } from "../../api";
import { useSession } from "../../auth";
import { useI18n, type MessageKey, type Translate } from "../../i18n";
import { graphql } from "../../gql";
import type { EnrollmentFieldsFragment } from "../../gql/graphql";
import { Link } from "../../router";
import { ErrorMessage, Loading, PageTitle, ProgressBar, StatusBadge, useQuery } from "../../components/ui";
import { markdownToText } from "../../format";
import { topicChips, topicLabel } from "../../topics";
import { SessionWhen } from "./live";
import { Programme } from "./programme";

graphql(`fragment EnrollmentFields on Enrollment {
  id status progressPercent courseVersion resumeLessonId waitlistPosition reason
  lessons { lessonId status bestScore attempts } certificate { id code }
}`);

const COURSE = graphql(`query Course($id: ID!, $ui: String, $signedIn: Boolean!) {
  course(id: $id) {
    id title(lang: $ui) summary(lang: $ui) languages defaultLanguage topics version status calendarUrl
    modules { id position title(lang: $ui)
      lessons { id position kind title(lang: $ui) durationMinutes required
        live { startsAt endsAt timezone venue(lang: $ui) onlineUrl } } }
    enrollment @include(if: $signedIn) { ...EnrollmentFields }
  }
}`);

/** The course's lessons in reading order, whatever lesson fields the query asked for. */
export function orderedLessons<L extends { position: number }>(course: { modules: { position: number; lessons: L[] }[] }): L[] {
  return [...course.modules]
    .sort((a, b) => a.position - b.position)
    .flatMap((m) => [...m.lessons].sort((a, b) => a.position - b.position));
}

export function lessonStatus(enrollment: EnrollmentFieldsFragment | null | undefined, lessonId: string) {
  return enrollment?.lessons.find((l) => l.lessonId === lessonId)?.status ?? "NOT_STARTED";
}

export function LessonStatusIcon({ status, t }: { status: string; t: Translate }) {
  const label = t(`lessonStatus.${status}` as MessageKey);
  const glyph = status === "COMPLETED" ? "✓" : status === "IN_PROGRESS" ? "◐" : "○";
  return (
    <span class={`lesson-status status-${status.toLowerCase()}`} title={label}>
      <span aria-hidden="true">{glyph}</span>
      <span class="visually-hidden">{label}</span>
    </span>
  );
}

export function CoursePage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const [enrolling, setEnrolling] = useState(false);
  const [enrolError, setEnrolError] = useState<unknown>(null);
  const { data, error, loading, reload } = useQuery(
    COURSE,
    { id, ui: lang, signedIn: !!session },
    [id, lang, !!session],
  );
  if (loading && !data) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  const course = data?.course;
  if (!course) return <p class="empty">{t("course.notFound")}</p>;
  const lessons = orderedLessons(course);
  const enrollment = course.enrollment;
  const resumeId = enrollment?.resumeLessonId ?? lessons[0]?.id;

  async function enrol() {
    setEnrolling(true);
    setEnrolError(null);
    try {
      await gql(graphql(`mutation Enrol($c: ID!) { enroll(courseId: $c) { id } }`), { c: id });
      reload();
    } catch (e) {
      setEnrolError(e);
    } finally {
      setEnrolling(false);
    }
  }

  return (
    <article class="course">
      <p class="breadcrumb">
        <Link href="/">{t("nav.catalogue")}</Link>
      </p>
      <PageTitle>{course.title}</PageTitle>
      {course.summary ? <p class="lead">{markdownToText(course.summary)}</p> : null}
      <div class="tags">
        {topicChips(course.topics).map((k) => (
          <span key={k} class="tag">
            {topicLabel(t, k)}
          </span>
        ))}
        <span class="tag tag-quiet">
          {t("catalogue.languages")}: {course.languages.map((l) => l.toUpperCase()).join(" · ")}
        </span>
      </div>
      <div class="panel enrol-panel">
        {!session ? (
          <p>
            <Link class="button" href={`/signin?next=${encodeURIComponent(location.pathname)}`}>
              {t("course.signInToEnrol")}
            </Link>
          </p>
        ) : enrollment && (enrollment.status === "PENDING" || enrollment.status === "WAITLISTED" || enrollment.status === "REJECTED") ? (
          <RegistrationStatus enrollment={enrollment} onChange={reload} />
        ) : enrollment ? (
          <>
            <ProgressBar value={enrollment.progressPercent} label={t("learning.progress")} />
            {enrollment.status === "COMPLETED" ? (
              <p>
                <StatusBadge tone="ok">{t("enrollmentStatus.COMPLETED")}</StatusBadge>{" "}
                {enrollment.certificate ? <Link href="/certificates">{t("course.seeCertificate")}</Link> : null}
              </p>
            ) : null}
            {resumeId ? (
              <Link class="button" href={`/courses/${id}/lessons/${resumeId}`}>
                {enrollment.status === "COMPLETED"
                  ? t("course.review")
                  : enrollment.progressPercent > 0
                    ? t("course.resume")
                    : t("course.start")}
              </Link>
            ) : null}
          </>
        ) : (
          <button type="button" class="button" onClick={enrol} disabled={enrolling}>
            {enrolling ? t("common.working") : t("course.enrol")}
          </button>
        )}
        <ErrorMessage error={enrolError} />
      </div>
      <Programme sessions={lessons.flatMap((l) => (l.live ? [{ id: l.id, title: l.title, live: l.live }] : []))} />
      {lessons.some((l) => l.live) ? (
        <p>
          <a class="button button-secondary" href={`${course.calendarUrl}?lang=${lang}`} data-testid="add-to-calendar">
            {t("live.addToCalendar")}
          </a>
        </p>
      ) : null}
      <h2>{t("course.contents")}</h2>
      <ol class="module-list">
        {[...course.modules]
          .sort((a, b) => a.position - b.position)
          .map((m) => (
            <li key={m.id} class="module panel">
              <h3>{m.title}</h3>
              <ol class="lesson-list">
                {[...m.lessons]
                  .sort((a, b) => a.position - b.position)
                  .map((l) => (
                    <li key={l.id}>
                      {enrollment ? <LessonStatusIcon status={lessonStatus(enrollment, l.id)} t={t} /> : null}
                      {enrollment ? <Link href={`/courses/${id}/lessons/${l.id}`}>{l.title}</Link> : <span>{l.title}</span>}
                      <span class="muted">
                        {" "}
                        · {t(`lessonKind.${l.kind}` as MessageKey)}
                        {l.durationMinutes ? ` · ${t("course.minutes", { count: l.durationMinutes })}` : ""}
                        {l.required ? "" : ` · ${t("course.optional")}`}
                      </span>
                      {l.live ? (
                        <>
                          {" "}
                          <SessionWhen live={l.live} />
                        </>
                      ) : null}
                    </li>
                  ))}
              </ol>
            </li>
          ))}
      </ol>
    </article>
  );
}


/** A registration without a seat yet (issue 15): waiting for approval, on the waiting list, or declined. */
function RegistrationStatus({ enrollment, onChange }: { enrollment: EnrollmentFieldsFragment; onChange: () => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function withdraw() {
    setBusy(true);
    setError(null);
    try {
      await gql(graphql(`mutation WithdrawRegistration($e: ID!) { withdraw(enrollmentId: $e) { id status } }`), {
        e: enrollment.id,
      });
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const status = enrollment.status;
  return (
    <div data-testid="registration-status" data-status={status}>
      <p>
        <StatusBadge tone={status === "REJECTED" ? "bad" : "warn"}>
          {t(`enrollmentStatus.${status}` as MessageKey)}
          {status === "WAITLISTED" && enrollment.waitlistPosition ? ` #${enrollment.waitlistPosition}` : ""}
        </StatusBadge>
      </p>
      <p role="status">
        {status === "PENDING"
          ? t("course.pendingNote")
          : status === "WAITLISTED"
            ? t("course.waitlistedNote", { position: enrollment.waitlistPosition ?? "?" })
            : t("course.rejectedNote", { reason: enrollment.reason ?? "" })}
      </p>
      {status !== "REJECTED" ? (
        <button type="button" class="button button-secondary" onClick={withdraw} disabled={busy}>
          {busy ? t("common.working") : t("course.withdrawRegistration")}
        </button>
      ) : null}
      <ErrorMessage error={error} />
    </div>
  );
}
