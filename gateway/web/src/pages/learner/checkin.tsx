// Check-in at a live session and the feedback survey (issue 15), the learner's side. The QR code on the
// projector opens /check-in/{course}/{lesson}?code=…: signed in, the learner is checked in at once;
// otherwise they type the code shown in the room.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";
import { Link } from "../../router";

const ENROLMENT = graphql(`
  query CheckInEnrolment($c: ID!, $ui: String) {
    course(id: $c) {
      id
      title(lang: $ui)
      enrollment { id status lessons { lessonId status } }
      modules {
        lessons {
          id
          kind
          title(lang: $ui)
          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }
        }
      }
    }
  }
`);

const CHECK_IN = graphql(`
  mutation CheckIn($e: ID!, $l: ID!, $code: String!) { checkIn(enrollmentId: $e, lessonId: $l, code: $code) { lessonId status } }
`);

const SUBMIT = graphql(`
  mutation SubmitSurvey($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {
    submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) { lessonId status }
  }
`);

function lessonStatus(enrollment: { lessons: { lessonId: string; status: string }[] } | null | undefined, id: string) {
  return enrollment?.lessons.find((l) => l.lessonId === id)?.status;
}

export function CheckInPage(props: { courseId: string; lessonId: string; code: string | null }) {
  const { t, lang } = useI18n();
  const { data, error, loading } = useQuery(ENROLMENT, { c: props.courseId, ui: lang }, [props.courseId, lang]);
  const [code, setCode] = useState(props.code ?? "");
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const tried = useRef(false);
  const enrollment = data?.course?.enrollment;
  const lesson = data?.course?.modules.flatMap((m) => m.lessons).find((l) => l.id === props.lessonId);
  const already = lessonStatus(enrollment, props.lessonId) === "COMPLETED";

  async function submit(value: string) {
    if (!enrollment) return;
    setBusy(true);
    setFailure(null);
    try {
      const answer = await gql(CHECK_IN, { e: enrollment.id, l: props.lessonId, code: value.trim() });
      setDone(answer.checkIn.status === "COMPLETED");
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  }

  // Opened from the QR code: check in once, without a tap.
  useEffect(() => {
    if (props.code && enrollment && !already && !tried.current) {
      tried.current = true;
      void submit(props.code);
    }
  }, [enrollment?.id, already]);

  return (
    <section class="checkin">
      <PageTitle>{t("checkin.title")}</PageTitle>
      {lesson ? <p class="lead">{t("checkin.session", { session: lesson.title, course: data?.course?.title ?? "" })}</p> : null}
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data && !enrollment ? (
        <div class="alert alert-warn" role="alert">
          {t("checkin.notEnrolled")} <Link href={`/courses/${encodeURIComponent(props.courseId)}`}>{t("checkin.toCourse")}</Link>
        </div>
      ) : null}
      {done || already ? (
        <div class="alert alert-success" role="status" data-testid="checked-in">
          {t("checkin.done")}
        </div>
      ) : enrollment ? (
        <form
          class="checkin-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(code);
          }}
        >
          <div class="field">
            <label for="checkin-code">{t("checkin.codeLabel")}</label>
            <input
              id="checkin-code"
              class="checkin-input"
              value={code}
              required
              maxLength={8}
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              aria-describedby="checkin-code-hint"
              onInput={(e) => setCode(e.currentTarget.value.toUpperCase())}
            />
            <small id="checkin-code-hint" class="help">
              {t("checkin.codeHint")}
            </small>
          </div>
          <ErrorMessage error={failure} />
          <div class="form-actions">
            <button type="submit" class="button" disabled={busy || !code.trim()}>
              {busy ? t("common.working") : t("checkin.submit")}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

type Answer = { rating?: number; optionId?: string; text?: string };

export function SurveyPage(props: { courseId: string; lessonId: string }) {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useQuery(ENROLMENT, { c: props.courseId, ui: lang }, [props.courseId, lang]);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const enrollment = data?.course?.enrollment;
  const lesson = data?.course?.modules.flatMap((m) => m.lessons).find((l) => l.id === props.lessonId);
  const survey = lesson?.survey;
  const done = lessonStatus(enrollment, props.lessonId) === "COMPLETED";

  function set(questionId: string, answer: Answer) {
    setAnswers((prev) => ({ ...prev, [questionId]: answer }));
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!enrollment || !survey) return;
    setBusy(true);
    setFailure(null);
    const given = survey.questions
      .map((q) => ({ q, a: answers[q.id] }))
      .filter(({ a }) => a && (a.rating !== undefined || a.optionId || (a.text ?? "").trim()))
      .map(({ q, a }) =>
        q.kind === "RATING"
          ? { questionId: q.id, rating: a.rating }
          : q.kind === "SINGLE_CHOICE"
            ? { questionId: q.id, optionIds: [a.optionId as string] }
            : { questionId: q.id, text: (a.text ?? "").trim() },
      );
    try {
      await gql(SUBMIT, { e: enrollment.id, l: props.lessonId, a: given });
      reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="survey">
      <PageTitle>{lesson?.title ?? t("surveyForm.title")}</PageTitle>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {survey ? <p class="lead">{t(survey.anonymous ? "surveyForm.anonymous" : "surveyForm.named")}</p> : null}
      {done ? (
        <div class="alert alert-success" role="status" data-testid="survey-done">
          {t("surveyForm.thanks")}
        </div>
      ) : survey && enrollment ? (
        <form onSubmit={submit}>
          {survey.questions.map((q, i) => (
            <fieldset key={q.id} class="question">
              <legend>
                {i + 1}. {q.prompt}
              </legend>
              {q.kind === "RATING" ? (
                <div class="rating" role="radiogroup" aria-label={q.prompt}>
                  {Array.from({ length: q.scale ?? 5 }, (_, n) => n + 1).map((n) => (
                    <label key={n} class="rating-choice">
                      <input
                        type="radio"
                        name={`q-${q.id}`}
                        value={String(n)}
                        checked={answers[q.id]?.rating === n}
                        onChange={() => set(q.id, { rating: n })}
                      />
                      <span>{n}</span>
                    </label>
                  ))}
                </div>
              ) : q.kind === "SINGLE_CHOICE" ? (
                (q.options ?? []).map((o) => (
                  <label key={o.id} class="option">
                    <input
                      type="radio"
                      name={`q-${q.id}`}
                      value={o.id}
                      checked={answers[q.id]?.optionId === o.id}
                      onChange={() => set(q.id, { optionId: o.id })}
                    />
                    <span>{o.label}</span>
                  </label>
                ))
              ) : (
                <textarea
                  aria-label={q.prompt}
                  rows={4}
                  maxLength={2000}
                  value={answers[q.id]?.text ?? ""}
                  onInput={(e) => set(q.id, { text: e.currentTarget.value })}
                />
              )}
            </fieldset>
          ))}
          <ErrorMessage error={failure} />
          <div class="form-actions">
            <button type="submit" class="button" disabled={busy || Object.keys(answers).length === 0}>
              {busy ? t("common.working") : t("surveyForm.submit")}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
