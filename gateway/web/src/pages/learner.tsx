// The learner's pages: catalogue, course, lesson player, my learning, my certificates.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api";
import { useSession } from "../auth";
import { LANGUAGES, useI18n, type MessageKey, type Translate } from "../i18n";
import { Link, navigate } from "../router";
import {
  ErrorMessage,
  Loading,
  Markdown,
  PageTitle,
  ProgressBar,
  QrCode,
  StatusBadge,
  useQuery,
} from "../components/ui";

export const KNOWN_TOPICS = [
  "participatory-budgeting",
  "urban-governance",
  "housing",
  "climate-adaptation",
  "smart-cities",
];

export function topicLabel(t: Translate, topic: string): string {
  const key = `topic.${topic}` as MessageKey;
  const label = t(key);
  return label === key ? topic : label;
}

interface CourseCard {
  id: string;
  title: string;
  summary: string | null;
  languages: string[];
  topics: string[];
  version: number;
}

const CATALOGUE = `query Catalogue($ui: String, $search: String, $topic: String, $lang: String) {
  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: 48) {
    totalCount
    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }
  }
}`;

export function CataloguePage() {
  const { t, lang } = useI18n();
  const [search, setSearch] = useState("");
  const [debounced, setDebounced] = useState("");
  const [topic, setTopic] = useState("");
  const [courseLang, setCourseLang] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search.trim()), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const { data, error, loading } = useQuery<{ courses: { totalCount: number; nodes: CourseCard[] } }>(
    CATALOGUE,
    { ui: lang, search: debounced || null, topic: topic || null, lang: courseLang || null },
    [lang, debounced, topic, courseLang],
  );
  return (
    <section>
      <PageTitle>{t("catalogue.title")}</PageTitle>
      <p class="lead">{t("catalogue.intro")}</p>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div class="field grow">
          <label for="catalogue-search">{t("catalogue.search")}</label>
          <input
            id="catalogue-search"
            type="search"
            value={search}
            placeholder={t("catalogue.searchPlaceholder")}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="catalogue-topic">{t("catalogue.topic")}</label>
          <select id="catalogue-topic" value={topic} onChange={(e) => setTopic(e.currentTarget.value)}>
            <option value="">{t("catalogue.allTopics")}</option>
            {KNOWN_TOPICS.map((k) => (
              <option key={k} value={k}>
                {topicLabel(t, k)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="catalogue-lang">{t("catalogue.language")}</label>
          <select id="catalogue-lang" value={courseLang} onChange={(e) => setCourseLang(e.currentTarget.value)}>
            <option value="">{t("catalogue.allLanguages")}</option>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <p class="muted" role="status" aria-live="polite">
            {t("catalogue.count", { count: data.courses.totalCount })}
          </p>
          {data.courses.nodes.length === 0 ? <p class="empty">{t("catalogue.empty")}</p> : null}
          <ul class="cards">
            {data.courses.nodes.map((c) => (
              <li key={c.id} class="card course-card">
                <h2 class="card-title">
                  <Link href={`/courses/${c.id}`}>{c.title}</Link>
                </h2>
                {c.summary ? <p class="card-summary">{c.summary}</p> : null}
                <div class="tags">
                  {c.topics.map((k) => (
                    <span key={k} class="tag">
                      {topicLabel(t, k)}
                    </span>
                  ))}
                </div>
                <p class="card-meta">
                  {t("catalogue.languages")}: {c.languages.map((l) => l.toUpperCase()).join(" · ")}
                </p>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

interface LessonSummary {
  id: string;
  position: number;
  kind: "TEXT" | "VIDEO" | "DOCUMENT" | "QUIZ";
  title: string;
  durationMinutes: number | null;
  required: boolean;
}

interface LessonProgress {
  lessonId: string;
  status: "NOT_STARTED" | "IN_PROGRESS" | "COMPLETED";
  bestScore: number | null;
  attempts: number;
}

interface EnrollmentDetail {
  id: string;
  status: "ACTIVE" | "COMPLETED" | "WITHDRAWN";
  progressPercent: number;
  courseVersion: number;
  resumeLessonId: string | null;
  lessons: LessonProgress[];
  certificate: { id: string; code: string } | null;
}

interface CourseDetail {
  id: string;
  title: string;
  summary: string | null;
  languages: string[];
  defaultLanguage: string;
  topics: string[];
  version: number;
  status: string;
  modules: { id: string; position: number; title: string; lessons: LessonSummary[] }[];
  enrollment?: EnrollmentDetail | null;
}

const ENROLLMENT_FIELDS = `enrollment { id status progressPercent courseVersion resumeLessonId
  lessons { lessonId status bestScore attempts } certificate { id code } }`;

function courseQuery(signedIn: boolean) {
  return `query Course($id: ID!, $ui: String) {
    course(id: $id) {
      id title(lang: $ui) summary(lang: $ui) languages defaultLanguage topics version status
      modules { id position title(lang: $ui)
        lessons { id position kind title(lang: $ui) durationMinutes required } }
      ${signedIn ? ENROLLMENT_FIELDS : ""}
    }
  }`;
}

function orderedLessons(course: CourseDetail): LessonSummary[] {
  return [...course.modules]
    .sort((a, b) => a.position - b.position)
    .flatMap((m) => [...m.lessons].sort((a, b) => a.position - b.position));
}

function lessonStatus(enrollment: EnrollmentDetail | null | undefined, lessonId: string) {
  return enrollment?.lessons.find((l) => l.lessonId === lessonId)?.status ?? "NOT_STARTED";
}

function LessonStatusIcon({ status, t }: { status: string; t: Translate }) {
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
  const { data, error, loading, reload } = useQuery<{ course: CourseDetail | null }>(
    courseQuery(!!session),
    { id, ui: lang },
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
      await gql(`mutation Enrol($c: ID!) { enroll(courseId: $c) { id } }`, { c: id });
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
      {course.summary ? <p class="lead">{course.summary}</p> : null}
      <div class="tags">
        {course.topics.map((k) => (
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
                    </li>
                  ))}
              </ol>
            </li>
          ))}
      </ol>
    </article>
  );
}

interface LessonDetail extends LessonSummary {
  body: string | null;
  material: {
    id: string;
    filename: string;
    contentType: string;
    size: number;
    status: string;
    downloadUrl: string | null;
  } | null;
  quiz: {
    passScore: number;
    questions: { id: string; prompt: string; multiple: boolean; options: { id: string; label: string }[] }[];
  } | null;
}

const PLAYER = `query Player($id: ID!, $ui: String) {
  course(id: $id) {
    id title(lang: $ui) version
    modules { id position title(lang: $ui)
      lessons { id position kind title(lang: $ui) body(lang: $ui) durationMinutes required
        material { id filename contentType size status downloadUrl }
        quiz { passScore questions { id prompt(lang: $ui) multiple options { id label(lang: $ui) } } } } }
    ${ENROLLMENT_FIELDS}
  }
}`;

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function LessonPlayer({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useQuery<{ course: (CourseDetail & { modules: { lessons: LessonDetail[] }[] }) | null }>(
    PLAYER,
    { id: courseId, ui: lang },
    [courseId, lang],
  );
  const [completing, setCompleting] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  useEffect(() => setActionError(null), [lessonId]);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  const course = data?.course;
  if (!course) return <p class="empty">{t("course.notFound")}</p>;
  const lessons = orderedLessons(course) as LessonDetail[];
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
  const status = lessonStatus(enrollment, lesson.id);
  const previous = lessons[index - 1];
  const next = lessons[index + 1];

  async function complete() {
    setCompleting(true);
    setActionError(null);
    try {
      await gql(`mutation Complete($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }`, {
        e: enrollment!.id,
        l: lessonId,
      });
      reload();
      if (next) navigate(`/courses/${courseId}/lessons/${next.id}`);
    } catch (e) {
      setActionError(e);
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
              <LessonStatusIcon status={lessonStatus(enrollment, l.id)} t={t} />
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
        {lesson.kind === "VIDEO" && lesson.material?.downloadUrl ? (
          <video class="video" controls preload="metadata" src={lesson.material.downloadUrl}>
            <a href={lesson.material.downloadUrl}>{t("lesson.downloadVideo")}</a>
          </video>
        ) : null}
        {lesson.body ? <Markdown source={lesson.body} /> : null}
        {lesson.material && lesson.kind !== "VIDEO" ? (
          <p class="material">
            {lesson.material.downloadUrl ? (
              <a class="button button-secondary" href={lesson.material.downloadUrl} download={lesson.material.filename}>
                ↓ {t("lesson.download", { name: lesson.material.filename })}
              </a>
            ) : (
              <span class="muted">{t("lesson.materialUnavailable")}</span>
            )}{" "}
            <span class="muted">{formatSize(lesson.material.size)}</span>
          </p>
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

function QuizForm(props: {
  quiz: NonNullable<LessonDetail["quiz"]>;
  enrollmentId: string;
  lessonId: string;
  progress: LessonProgress | undefined;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [result, setResult] = useState<{ score: number; passed: boolean; attempt: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const unanswered = props.quiz.questions.filter((q) => !(answers[q.id]?.length)).length;

  function choose(questionId: string, optionId: string, multiple: boolean, checked: boolean) {
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
      const data = await gql<{ submitQuiz: { score: number; passed: boolean; attempt: number } }>(
        `mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {
          submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) { score passed attempt }
        }`,
        {
          e: props.enrollmentId,
          l: props.lessonId,
          a: props.quiz.questions.map((q) => ({ questionId: q.id, optionIds: answers[q.id] ?? [] })),
        },
      );
      setResult(data.submitQuiz);
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
          ? ` · ${t("quiz.best", { score: props.progress.bestScore ?? 0, attempts: props.progress.attempts })}`
          : ""}
      </p>
      {props.quiz.questions.map((q, i) => (
        <fieldset key={q.id} class="question">
          <legend>
            {i + 1}. {q.prompt}
            {q.multiple ? <span class="muted"> ({t("quiz.chooseAll")})</span> : null}
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
          </div>
        ) : null}
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}

interface MyEnrollment {
  id: string;
  status: string;
  progressPercent: number;
  enrolledAt: string;
  completedAt: string | null;
  resumeLessonId: string | null;
  course: { id: string; title: string };
  certificate: { id: string; code: string } | null;
}

export function MyLearningPage() {
  const { t, lang, date } = useI18n();
  const { data, error, loading } = useQuery<{ myEnrollments: MyEnrollment[] }>(
    `query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId
      course { id title(lang: $ui) } certificate { id code } } }`,
    { ui: lang },
    [lang],
  );
  return (
    <section>
      <PageTitle>{t("learning.title")}</PageTitle>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data && data.myEnrollments.length === 0 ? (
        <p class="empty">
          {t("learning.empty")} <Link href="/">{t("nav.catalogue")}</Link>
        </p>
      ) : null}
      <ul class="cards cards-wide">
        {data?.myEnrollments.map((e) => (
          <li key={e.id} class="card">
            <h2 class="card-title">
              <Link href={`/courses/${e.course.id}`}>{e.course.title}</Link>
            </h2>
            <ProgressBar value={e.progressPercent} label={t("learning.progressOf", { course: e.course.title })} />
            <p class="card-meta">
              {t(`enrollmentStatus.${e.status}` as MessageKey)} · {t("learning.enrolledOn", { date: date(e.enrolledAt) })}
              {e.completedAt ? ` · ${t("learning.completedOn", { date: date(e.completedAt) })}` : ""}
            </p>
            <div class="card-actions">
              {e.resumeLessonId && e.status !== "COMPLETED" ? (
                <Link class="button" href={`/courses/${e.course.id}/lessons/${e.resumeLessonId}`}>
                  {t("course.resume")}
                </Link>
              ) : null}
              {e.certificate ? (
                <Link class="button button-secondary" href="/certificates">
                  {t("course.seeCertificate")}
                </Link>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface CertificateRow {
  id: string;
  code: string;
  learnerName: string;
  courseTitle: string;
  issuedAt: string;
  status: "VALID" | "REVOKED";
  revokedAt: string | null;
  revocationReason: string | null;
  pdfUrl: string | null;
  verifyUrl: string;
}

export function verifyLink(cert: { code: string; verifyUrl?: string | null }): string {
  // The gateway gives a public URL; fall back to this origin's page for the same code.
  return cert.verifyUrl || `${location.origin}/verify/${encodeURIComponent(cert.code)}`;
}

function CopyButton({ text }: { text: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // Clipboard needs a secure context; the link stays selectable in the field beside the button.
      setCopied(false);
    }
    setTimeout(() => setCopied(null), 4000);
  }
  return (
    <>
      <button type="button" class="button button-secondary" onClick={copy}>
        {t("certificates.copyLink")}
      </button>
      <span role="status" aria-live="polite" class="muted">
        {copied === true ? t("certificates.copied") : copied === false ? t("certificates.copyFailed") : ""}
      </span>
    </>
  );
}

export function MyCertificatesPage() {
  const { t, date } = useI18n();
  const { data, error, loading } = useQuery<{ myCertificates: CertificateRow[] }>(
    `{ myCertificates { id code learnerName courseTitle issuedAt status revokedAt revocationReason pdfUrl verifyUrl } }`,
    {},
    [],
  );
  return (
    <section>
      <PageTitle>{t("certificates.title")}</PageTitle>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data && data.myCertificates.length === 0 ? <p class="empty">{t("certificates.empty")}</p> : null}
      <ul class="cards certificate-list">
        {data?.myCertificates.map((c) => {
          const link = verifyLink(c);
          return (
            <li key={c.id} class="card certificate-card">
              <div class="certificate-body">
                <h2 class="card-title">{c.courseTitle}</h2>
                <p>
                  {c.status === "VALID" ? (
                    <StatusBadge tone="ok">{t("status.VALID")}</StatusBadge>
                  ) : (
                    <StatusBadge tone="bad">{t("status.REVOKED")}</StatusBadge>
                  )}
                </p>
                <dl class="facts">
                  <dt>{t("verify.learner")}</dt>
                  <dd>{c.learnerName}</dd>
                  <dt>{t("verify.issuedAt")}</dt>
                  <dd>{date(c.issuedAt)}</dd>
                  <dt>{t("verify.code")}</dt>
                  <dd class="code">{c.code}</dd>
                  {c.status === "REVOKED" ? (
                    <>
                      <dt>{t("verify.revokedAt")}</dt>
                      <dd>{date(c.revokedAt)}</dd>
                      <dt>{t("verify.reason")}</dt>
                      <dd>{c.revocationReason}</dd>
                    </>
                  ) : null}
                </dl>
                <div class="field">
                  <label for={`link-${c.id}`}>{t("certificates.verifyLink")}</label>
                  <input id={`link-${c.id}`} type="text" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
                </div>
                <div class="card-actions">
                  {c.pdfUrl ? (
                    <a class="button" href={c.pdfUrl} download={`certificate-${c.code}.pdf`} target="_blank" rel="noopener">
                      ↓ {t("certificates.downloadPdf")}
                    </a>
                  ) : (
                    <span class="muted">{t("certificates.pdfPending")}</span>
                  )}
                  <CopyButton text={link} />
                </div>
              </div>
              <QrCode value={link} label={t("certificates.qr", { code: c.code })} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
