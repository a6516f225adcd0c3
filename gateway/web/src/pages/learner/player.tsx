// The lesson player: Markdown, video, document download and quizzes with immediate score.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import enMessages from "../../i18n/en.json";
import { graphql } from "../../gql";
import type { EnrollmentFieldsFragment, PlayerQuery } from "../../gql/graphql";
import { Link, navigate } from "../../router";
import { ErrorMessage, Loading, Markdown, PageTitle, ProgressBar, StatusBadge, useQuery } from "../../components/ui";
import { formatSize } from "../../format";
import { LessonStatusIcon, lessonStatus, orderedLessons } from "./course";
import { SYNCED_EVENT, isNetworkError, keepCourse, keptCourse, queueCompletion, useOffline } from "../../offline";

const PLAYER = graphql(`query Player($id: ID!, $ui: String) {
  course(id: $id) {
    id title(lang: $ui) version
    modules { id position title(lang: $ui)
      lessons { id position kind title(lang: $ui) body(lang: $ui) durationMinutes required
        material { id filename contentType size status downloadUrl }
        quiz { passScore questions { id prompt(lang: $ui) multiple options { id label(lang: $ui) } } } } }
    enrollment { ...EnrollmentFields }
  }
}`);

type LessonDetail = NonNullable<PlayerQuery["course"]>["modules"][number]["lessons"][number];

// Kept here too: the trainer pages import it from the player.
export { formatSize };

// Presigned storage URLs expire (LMS_S3_PRESIGN_SECONDS): the link asks for a fresh one when clicked.
const MATERIAL_LINK = graphql(`query MaterialLink($id: ID!) {
  course(id: $id) { id modules { id lessons { id material { id downloadUrl } } } }
}`);

/** Open a storage URL the way a download link would (a temporary anchor, so `download` applies). */
export function openStorageUrl(url: string, filename: string, newTab = false): void {
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  if (newTab) {
    a.target = "_blank";
    a.rel = "noopener";
  }
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function MaterialDownload(props: { courseId: string; lessonId: string; materialId: string; filename: string; href: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => setFailed(false), [props.lessonId]);
  async function open(e: MouseEvent) {
    // The URL in href was fetched when the page loaded and may have expired: never follow it blindly.
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailed(false);
    try {
      const data = await gql(MATERIAL_LINK, { id: props.courseId });
      const url = data.course?.modules
        .flatMap((m) => m.lessons)
        .find((l) => l.id === props.lessonId && l.material?.id === props.materialId)?.material?.downloadUrl;
      if (!url) throw new Error("no download URL");
      openStorageUrl(url, props.filename);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <a class="button button-secondary" href={props.href} download={props.filename} onClick={open} aria-busy={busy}>
        ↓ {t("lesson.download", { name: props.filename })}
      </a>
      {failed ? (
        <span class="alert alert-error" role="alert">
          {t("lesson.downloadRenewFailed")}
        </span>
      ) : null}
    </>
  );
}

/**
 * A PDF shown inline (the browser's own viewer, in a frame of the object store's presigned URL; the CSP's
 * frame-src admits the store and nothing else), with a link that opens it in a new tab with a fresh URL
 * (browsers without a PDF viewer, or a URL that expired while the page stayed open).
 */
function PdfPreview(props: { courseId: string; lessonId: string; materialId: string; filename: string; href: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  async function openFresh(e: MouseEvent) {
    e.preventDefault();
    setFailed(false);
    try {
      const data = await gql(MATERIAL_LINK, { id: props.courseId });
      const url = data.course?.modules
        .flatMap((m) => m.lessons)
        .find((l) => l.id === props.lessonId && l.material?.id === props.materialId)?.material?.downloadUrl;
      if (!url) throw new Error("no download URL");
      // To read, not to save: a new tab without the download attribute.
      const a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch {
      setFailed(true);
    }
  }
  return (
    <figure class="pdf-preview">
      <iframe src={props.href} title={t("lesson.pdfPreview", { name: props.filename })} loading="lazy" />
      <figcaption>
        <a href={props.href} target="_blank" rel="noopener" onClick={openFresh}>
          {t("lesson.pdfOpen", { name: props.filename })}
        </a>
        {failed ? (
          <span class="alert alert-error" role="alert">
            {t("lesson.downloadRenewFailed")}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}

export function LessonPlayer({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { t, lang } = useI18n();
  const { data: fetched, error, loading, reload } = useQuery(
    PLAYER,
    { id: courseId, ui: lang },
    [courseId, lang],
  );
  // Offline (src/offline.ts): the copy kept when this course was last opened online is shown instead;
  // undefined while it is being looked up, null when there is none.
  const [kept, setKept] = useState<{ data: PlayerQuery; keptAt: string } | null | undefined>(null);
  const offline = useOffline();
  useEffect(() => {
    if (fetched?.course) void keepCourse(courseId, lang, fetched);
  }, [fetched]);
  useEffect(() => {
    if (!isNetworkError(error)) return setKept(null);
    setKept(undefined);
    void keptCourse<PlayerQuery>(courseId, lang).then(setKept);
  }, [error, courseId, lang]);
  useEffect(() => {
    // Completions queued offline were sent: show the server's progress again.
    window.addEventListener(SYNCED_EVENT, reload);
    return () => window.removeEventListener(SYNCED_EVENT, reload);
  }, [reload]);
  const [completing, setCompleting] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  useEffect(() => setActionError(null), [lessonId]);
  const data = fetched ?? kept?.data ?? null;
  if ((loading || kept === undefined) && !data) return <Loading />;
  if (error && !data) return <ErrorMessage error={error} />;
  const course = data?.course;
  if (!course) return <p class="empty">{t("course.notFound")}</p>;
  const lessons = orderedLessons(course);
  const index = lessons.findIndex((l) => l.id === lessonId);
  const lesson = lessons[index];
  const enrollment = course.enrollment;
  if (!lesson) return <p class="empty">{t("lesson.notFound")}</p>;
  if (!enrollment) {
    return (
      <div class="panel">
        <p>{t("lesson.enrolFirst")}</p>
        <Link class="button" href={`/courses/${courseId}`}>
          {t("lesson.backToCourse")}
        </Link>
      </div>
    );
  }
  const queued = new Set(offline.pending.filter((c) => c.enrollmentId === enrollment.id).map((c) => c.lessonId));
  const status = lessonStatus(enrollment, lesson.id);
  const statusOf = (id: string) => (queued.has(id) ? "COMPLETED" : lessonStatus(enrollment, id));
  const previous = lessons[index - 1];
  const next = lessons[index + 1];

  async function complete() {
    setCompleting(true);
    setActionError(null);
    try {
      await gql(graphql(`mutation Complete($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }`), {
        e: enrollment!.id,
        l: lessonId,
      });
      reload();
      if (next) navigate(`/courses/${courseId}/lessons/${next.id}`);
    } catch (e) {
      if (!isNetworkError(e)) return setActionError(e);
      // No connection: kept on this device and sent when it returns (src/offline.ts), exactly once.
      try {
        await queueCompletion(courseId, enrollment!.id, lessonId);
        if (next) navigate(`/courses/${courseId}/lessons/${next.id}`);
      } catch {
        setActionError(e);
      }
    } finally {
      setCompleting(false);
    }
  }

  return (
    <div class="player">
      <nav class="player-outline" aria-label={t("lesson.outline")}>
        <p class="outline-course">
          <Link href={`/courses/${courseId}`}>{course.title}</Link>
        </p>
        <ProgressBar value={enrollment.progressPercent} label={t("learning.progress")} />
        <ol>
          {lessons.map((l) => (
            <li key={l.id} class={l.id === lessonId ? "current" : ""}>
              <LessonStatusIcon status={statusOf(l.id)} t={t} />
              <Link href={`/courses/${courseId}/lessons/${l.id}`} aria-current={l.id === lessonId ? "page" : undefined}>
                {l.title}
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <article class="player-main">
        <p class="muted">
          {t(`lessonKind.${lesson.kind}` as MessageKey)}
          {lesson.durationMinutes ? ` · ${t("course.minutes", { count: lesson.durationMinutes })}` : ""}
        </p>
        <PageTitle>{lesson.title}</PageTitle>
        {!fetched && kept ? (
          <p class="alert alert-info offline-copy" role="status">
            {t("offline.keptCopy", { date: new Date(kept.keptAt).toLocaleString(lang) })}
          </p>
        ) : null}
        {lesson.kind === "VIDEO" && lesson.material?.downloadUrl ? (
          <video class="video" controls preload="metadata" src={lesson.material.downloadUrl}>
            <a href={lesson.material.downloadUrl}>{t("lesson.downloadVideo")}</a>
          </video>
        ) : null}
        {lesson.body ? <Markdown source={lesson.body} /> : null}
        {lesson.material && lesson.kind !== "VIDEO" ? (
          <p class="material">
            {lesson.material.downloadUrl ? (
              <MaterialDownload
                key={lesson.id}
                courseId={courseId}
                lessonId={lesson.id}
                materialId={lesson.material.id}
                filename={lesson.material.filename}
                href={lesson.material.downloadUrl}
              />
            ) : (
              <span class="muted">{t("lesson.materialUnavailable")}</span>
            )}{" "}
            <span class="muted material-size">{formatSize(lesson.material.size, lang)}</span>
          </p>
        ) : null}
        {lesson.material?.downloadUrl && lesson.kind !== "VIDEO" && lesson.material.contentType === "application/pdf" ? (
          <PdfPreview
            key={lesson.id}
            courseId={courseId}
            lessonId={lesson.id}
            materialId={lesson.material.id}
            filename={lesson.material.filename}
            href={lesson.material.downloadUrl}
          />
        ) : null}
        {lesson.kind === "QUIZ" && lesson.quiz ? (
          <QuizForm
            key={lesson.id}
            quiz={lesson.quiz}
            enrollmentId={enrollment.id}
            lessonId={lesson.id}
            onDone={reload}
            progress={enrollment.lessons.find((l) => l.lessonId === lesson.id)}
          />
        ) : (
          <div class="lesson-actions">
            {status === "COMPLETED" ? (
              <StatusBadge tone="ok">{t("lessonStatus.COMPLETED")}</StatusBadge>
            ) : queued.has(lesson.id) ? (
              <p class="offline-queued" role="status">
                <StatusBadge tone="warn">{t("offline.queuedBadge")}</StatusBadge> {t("offline.queued")}
              </p>
            ) : lesson.kind === "LIVE" ? (
              // Attendance completes a live session (issue 15): checking in, or a trainer's mark.
              <Link class="button" href={`/check-in/${encodeURIComponent(courseId)}/${encodeURIComponent(lesson.id)}`}>
                {t("checkin.title")}
              </Link>
            ) : lesson.kind === "SURVEY" ? (
              <Link class="button" href={`/courses/${encodeURIComponent(courseId)}/survey/${encodeURIComponent(lesson.id)}`}>
                {t("surveyForm.open")}
              </Link>
            ) : (
              <button type="button" class="button" onClick={complete} disabled={completing}>
                {completing ? t("common.working") : t("lesson.markComplete")}
              </button>
            )}
          </div>
        )}
        <ErrorMessage error={actionError} />
        {enrollment.status === "COMPLETED" ? (
          <div class="alert alert-success" role="status">
            {t("lesson.courseCompleted")} <Link href="/certificates">{t("nav.certificates")}</Link>
          </div>
        ) : null}
        <nav class="pager" aria-label={t("lesson.pager")}>
          {previous ? (
            <Link class="button button-secondary" href={`/courses/${courseId}/lessons/${previous.id}`}>
              ← {t("lesson.previous")}
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link class="button button-secondary" href={`/courses/${courseId}/lessons/${next.id}`}>
              {t("lesson.next")} →
            </Link>
          ) : null}
        </nav>
      </article>
    </div>
  );
}

// Older courses (the seed catalogue among them) write the hint into the prompt itself; the player adds it
// anyway, so a trailing "(choose all that apply)" — in the UI language or in English, the fallback prompt
// language — is dropped from the prompt to show the hint once.
const CHOOSE_ALL_EN = enMessages["quiz.chooseAll"];

function withoutChooseAllHint(prompt: string, hints: string[]): string {
  const trimmed = prompt.trimEnd();
  for (const hint of hints) {
    const suffix = `(${hint})`.toLocaleLowerCase();
    if (trimmed.toLocaleLowerCase().endsWith(suffix)) return trimmed.slice(0, trimmed.length - suffix.length).trimEnd();
  }
  return prompt;
}

function QuizForm(props: {
  quiz: NonNullable<LessonDetail["quiz"]>;
  enrollmentId: string;
  lessonId: string;
  progress: EnrollmentFieldsFragment["lessons"][number] | undefined;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [result, setResult] = useState<{ score: number; passed: boolean; attempt: number } | null>(null);
  // Per question, after an attempt: whether the learner's answer was right (never which option is).
  const [verdicts, setVerdicts] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const unanswered = props.quiz.questions.filter((q) => !(answers[q.id]?.length)).length;

  function choose(questionId: string, optionId: string, multiple: boolean, checked: boolean) {
    // A changed answer is no longer the one that was graded.
    setVerdicts(({ [questionId]: _, ...rest }) => rest);
    setAnswers((prev) => {
      const current = prev[questionId] ?? [];
      const next = multiple
        ? checked
          ? [...current, optionId]
          : current.filter((o) => o !== optionId)
        : [optionId];
      return { ...prev, [questionId]: next };
    });
  }

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql(
        graphql(`mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {
          submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) { score passed attempt questions { questionId correct } }
        }`),
        {
          e: props.enrollmentId,
          l: props.lessonId,
          a: props.quiz.questions.map((q) => ({ questionId: q.id, optionIds: answers[q.id] ?? [] })),
        },
      );
      setResult(data.submitQuiz);
      setVerdicts(Object.fromEntries(data.submitQuiz.questions.map((q) => [q.questionId, q.correct])));
      props.onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="quiz" onSubmit={submit}>
      <p class="muted">
        {t("quiz.passScore", { score: props.quiz.passScore })}
        {props.progress?.attempts
          ? ` · ${t("quiz.best", { score: props.progress.bestScore ?? 0, count: props.progress.attempts })}`
          : ""}
      </p>
      {props.quiz.questions.map((q, i) => (
        <fieldset
          key={q.id}
          class={`question ${verdicts[q.id] === true ? "question-right" : verdicts[q.id] === false ? "question-wrong" : ""}`}
          aria-describedby={verdicts[q.id] !== undefined ? `verdict-${q.id}` : undefined}
        >
          <legend>
            <span>
              {i + 1}. {q.multiple ? withoutChooseAllHint(q.prompt, [t("quiz.chooseAll"), CHOOSE_ALL_EN]) : q.prompt}
            </span>
            {q.multiple ? <span class="question-hint">({t("quiz.chooseAll")})</span> : null}
          </legend>
          {q.options.map((o) => (
            <label key={o.id} class="option">
              <input
                type={q.multiple ? "checkbox" : "radio"}
                name={`q-${q.id}`}
                value={o.id}
                checked={(answers[q.id] ?? []).includes(o.id)}
                onChange={(e) => choose(q.id, o.id, q.multiple, e.currentTarget.checked)}
              />
              <span>{o.label}</span>
            </label>
          ))}
          {verdicts[q.id] !== undefined ? (
            <p id={`verdict-${q.id}`} class={`question-verdict ${verdicts[q.id] ? "verdict-right" : "verdict-wrong"}`}>
              <span aria-hidden="true">{verdicts[q.id] ? "✓ " : "✗ "}</span>
              {verdicts[q.id] ? t("quiz.answerRight") : t("quiz.answerWrong")}
            </p>
          ) : null}
        </fieldset>
      ))}
      <div class="lesson-actions">
        <button type="submit" class="button" disabled={busy || unanswered > 0}>
          {busy ? t("common.working") : t("quiz.submit")}
        </button>
        {unanswered > 0 ? <span class="muted">{t("quiz.unanswered", { count: unanswered })}</span> : null}
      </div>
      <div aria-live="polite">
        {result ? (
          <div class={`alert ${result.passed ? "alert-success" : "alert-warn"}`} role="status">
            <strong>{result.passed ? t("quiz.passed") : t("quiz.failed")}</strong>{" "}
            {t("quiz.score", { score: result.score, pass: props.quiz.passScore, attempt: result.attempt })}
            {!result.passed && Object.values(verdicts).some((ok) => !ok) ? (
              <>
                {" "}
                {t("quiz.review", {
                  list: props.quiz.questions
                    .map((q, i) => (verdicts[q.id] === false ? String(i + 1) : null))
                    .filter((n) => n !== null)
                    .join(", "),
                })}
              </>
            ) : null}
          </div>
        ) : null}
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
