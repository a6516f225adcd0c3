// The form that adds or edits a lesson: text, video, document or quiz (with its question editor),
// and the preview of a lesson as a learner sees it.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { graphql } from "../../gql";
import type { LessonDetailsQuery } from "../../gql/graphql";
import { useI18n, type Lang } from "../../i18n";
import { Dialog, ErrorMessage, Loading, Markdown, useQuery } from "../../components/ui";
import type { EditorCourse, EditorLesson } from "./editor";
import { MaterialUploader, type UploadedMaterial } from "./materials";
import { MoveButtons, SideBySide, type Texts, courseLangs, langName, moveItem, toInput } from "./shared";
import { LiveSessionFields, SurveyFields, liveDraftOf, liveInput, liveProblem, surveyDraftOf, surveyInput, surveyProblem } from "./live";

interface DraftOption {
  key: number;
  labels: Texts;
  correct: boolean;
}
interface DraftQuestion {
  key: number;
  prompts: Texts;
  options: DraftOption[];
}

let draftKey = 0;
const newOption = (): DraftOption => ({ key: ++draftKey, labels: {}, correct: false });
const newQuestion = (): DraftQuestion => ({ key: ++draftKey, prompts: {}, options: [newOption(), newOption()] });

const textsOf = (items: { lang: string; text: string }[] | undefined): Texts => Object.fromEntries((items ?? []).map((x) => [x.lang, x.text]));

const UPDATE_LESSON = graphql(`mutation UpdateLesson($id: ID!, $i: UpdateLessonInput!) { updateLesson(id: $id, input: $i) { id } }`);

const LESSON_DETAILS = graphql(`query LessonDetails($course: ID!, $lesson: ID!) {
  course(id: $course) { id lesson(id: $lesson) { id
    live { startsAt endsAt timezone venues { lang text } editorOnlineUrl capacity }
    survey { anonymous questions { id kind prompts { lang text } scale options { id labels { lang text } } } } } }
}`);

interface LessonFormProps {
  course: EditorCourse;
  moduleId: string;
  position: number;
  lesson?: EditorLesson;
  onCancel: () => void;
  onAdded: () => void;
}

/** The lesson form; a LIVE or SURVEY lesson being edited first loads its session or questions. */
export function LessonForm(props: LessonFormProps) {
  const lessonId = props.lesson?.id;
  const needsDetails = !!props.lesson && (props.lesson.kind === "LIVE" || props.lesson.kind === "SURVEY");
  const [details, setDetails] = useState<{ data?: LessonDetails; error?: unknown } | null>(null);
  useEffect(() => {
    if (!needsDetails || !lessonId) return;
    let current = true;
    gql(LESSON_DETAILS, { course: props.course.id, lesson: lessonId }).then(
      (d) => current && setDetails({ data: d.course?.lesson ?? undefined }),
      (error) => current && setDetails({ error }),
    );
    return () => {
      current = false;
    };
  }, [props.course.id, lessonId, needsDetails]);
  if (!needsDetails) return <LessonFormFields {...props} />;
  if (!details) return <Loading />;
  if (details.error) return <ErrorMessage error={details.error} />;
  return <LessonFormFields {...props} details={details.data} />;
}

type LessonDetails = NonNullable<NonNullable<LessonDetailsQuery["course"]>["lesson"]>;

function LessonFormFields(props: LessonFormProps & { details?: LessonDetails }) {
  const { t } = useI18n();
  const languages = courseLangs(props.course);
  const editing = props.lesson;
  const [kind, setKind] = useState<EditorLesson["kind"]>(editing?.kind ?? "TEXT");
  const [titles, setTitles] = useState<Texts>(textsOf(editing?.titles));
  const [bodies, setBodies] = useState<Texts>(textsOf(editing?.bodies));
  const [duration, setDuration] = useState(editing?.durationMinutes ? String(editing.durationMinutes) : "");
  const [required, setRequired] = useState(editing?.required ?? true);
  const [material, setMaterial] = useState<UploadedMaterial | null>(null);
  // Editing a quiz means writing it again: answer keys never leave the server, so they cannot be shown.
  const [replaceQuiz, setReplaceQuiz] = useState(!editing);
  const [passScore, setPassScore] = useState(editing?.quiz ? String(editing.quiz.passScore) : "70");
  const [questions, setQuestions] = useState<DraftQuestion[]>([newQuestion()]);
  const [live, setLive] = useState(liveDraftOf(props.details?.live));
  const [survey, setSurvey] = useState(surveyDraftOf(props.details?.survey));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = editing ? `lesson-edit-${editing.id}` : `lesson-${props.moduleId}`;
  const hasMaterial = kind === "VIDEO" || kind === "DOCUMENT";

  function problems(): string | null {
    if (!titles[props.course.defaultLanguage as Lang]?.trim()) {
      return t("editor.needDefaultTitle", { lang: langName(props.course.defaultLanguage) });
    }
    if (hasMaterial && !material && !editing?.material) return t("editor.needMaterial");
    if (kind === "LIVE") {
      const problem = liveProblem(live);
      if (problem) return t(problem);
    }
    if (kind === "SURVEY") {
      const problem = surveyProblem(survey, languages, t);
      if (problem) return problem;
    }
    if (kind === "QUIZ" && replaceQuiz) {
      for (const [i, q] of questions.entries()) {
        if (!toInput(q.prompts, languages).length) return t("quiz.needPrompt", { n: i + 1 });
        if (q.options.length < 2) return t("quiz.needOptions", { n: i + 1 });
        if (!q.options.some((o) => o.correct)) return t("quiz.needCorrect", { n: i + 1 });
        if (q.options.some((o) => !toInput(o.labels, languages).length)) return t("quiz.needLabels", { n: i + 1 });
      }
    }
    return null;
  }

  async function add(e: Event) {
    e.preventDefault();
    const problem = problems();
    if (problem) {
      setError(new Error(problem));
      return;
    }
    setBusy(true);
    setError(null);
    const quiz =
      kind === "QUIZ" && replaceQuiz
        ? {
            passScore: Number(passScore),
            questions: questions.map((q) => ({
              prompts: toInput(q.prompts, languages),
              options: q.options.map((o) => ({ labels: toInput(o.labels, languages), correct: o.correct })),
            })),
          }
        : null;
    if (editing) {
      try {
        await gql(UPDATE_LESSON, {
          id: editing.id,
          i: {
            titles: toInput(titles, languages),
            bodies: toInput(bodies, languages),
            durationMinutes: duration ? Number(duration) : null,
            required,
            ...(hasMaterial && material ? { materialId: material.id } : {}),
            ...(quiz ? { quiz } : {}),
            ...(kind === "LIVE" ? { live: liveInput(live, languages) } : {}),
            ...(kind === "SURVEY" ? { survey: surveyInput(survey, languages) } : {}),
          },
        });
        props.onAdded();
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
      }
      return;
    }
    try {
      await gql(graphql(`mutation AddLesson($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }`), {
        m: props.moduleId,
        i: {
          kind,
          titles: toInput(titles, languages),
          bodies: toInput(bodies, languages),
          durationMinutes: duration ? Number(duration) : null,
          required,
          position: props.position,
          materialId: hasMaterial ? material?.id : null,
          quiz,
          ...(kind === "LIVE" ? { live: liveInput(live, languages) } : {}),
          ...(kind === "SURVEY" ? { survey: surveyInput(survey, languages) } : {}),
        },
      });
      props.onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const updateQuestion = (i: number, q: DraftQuestion) => setQuestions(questions.map((x, j) => (j === i ? q : x)));

  return (
    <form class="panel panel-quiet lesson-form" onSubmit={add} aria-labelledby={`${formId}-heading`}>
      <h4 id={`${formId}-heading`}>{editing ? t("editor.editLesson", { title: editing.title }) : t("editor.newLesson")}</h4>
      <div class="form-grid">
        <div class="field">
          <label for={`${formId}-kind`}>{t("editor.lessonKind")}</label>
          <select id={`${formId}-kind`} value={kind} disabled={!!editing} onChange={(e) => setKind(e.currentTarget.value as EditorLesson["kind"])}>
            {(["TEXT", "VIDEO", "DOCUMENT", "QUIZ", "LIVE", "SURVEY"] as const).map((k) => (
              <option key={k} value={k}>
                {t(`lessonKind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={`${formId}-duration`}>{t("editor.duration")}</label>
          <input id={`${formId}-duration`} type="number" min={1} max={600} value={duration} onInput={(e) => setDuration(e.currentTarget.value)} />
        </div>
        <label class="option field-button">
          <input type="checkbox" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} />
          <span>{t("editor.required")}</span>
        </label>
      </div>
      <SideBySide id={`${formId}-title`} label={t("editor.lessonTitle")} languages={languages} values={titles} onChange={setTitles} required={props.course.defaultLanguage as Lang} />
      <SideBySide id={`${formId}-body`} label={t("editor.body")} languages={languages} values={bodies} onChange={setBodies} multiline />
      {hasMaterial && editing?.material ? (
        <p class="muted" data-testid="current-material">
          {t("editor.currentMaterial", { filename: editing.material.filename })}
        </p>
      ) : null}
      {hasMaterial ? <MaterialUploader key={kind} courseId={props.course.id} kind={kind} onUploaded={setMaterial} /> : null}
      {kind === "LIVE" ? <LiveSessionFields id={`${formId}-live`} languages={languages} value={live} onChange={setLive} /> : null}
      {kind === "SURVEY" ? <SurveyFields id={`${formId}-survey`} languages={languages} value={survey} onChange={setSurvey} /> : null}
      {kind === "QUIZ" && editing ? (
        <label class="option">
          <input type="checkbox" checked={replaceQuiz} onChange={(e) => setReplaceQuiz(e.currentTarget.checked)} />
          <span>{t("editor.replaceQuiz")}</span>
        </label>
      ) : null}
      {kind === "QUIZ" && replaceQuiz ? (
        <fieldset class="quiz-editor">
          <legend>{t("quiz.editor")}</legend>
          <div class="field field-narrow">
            <label for={`${formId}-pass`}>{t("quiz.passScoreLabel")}</label>
            <input id={`${formId}-pass`} type="number" min={0} max={100} required value={passScore} onInput={(e) => setPassScore(e.currentTarget.value)} />
          </div>
          {questions.map((q, i) => (
            <div key={q.key} class="question-editor">
              <div class="module-head">
                <h5>{t("quiz.question", { n: i + 1 })}</h5>
                <span>
                  <MoveButtons label={t("quiz.question", { n: i + 1 })} first={i === 0} last={i === questions.length - 1} onMove={(d) => setQuestions(moveItem(questions, i, d))} />
                  <button type="button" class="icon-button" disabled={questions.length === 1} onClick={() => setQuestions(questions.filter((_, j) => j !== i))} aria-label={t("quiz.removeQuestion", { n: i + 1 })}>
                    ✕
                  </button>
                </span>
              </div>
              <SideBySide id={`${formId}-q${q.key}`} label={t("quiz.prompt")} languages={languages} values={q.prompts} onChange={(p) => updateQuestion(i, { ...q, prompts: p })} />
              {q.options.map((o, k) => (
                <div key={o.key} class="option-editor">
                  <SideBySide
                    id={`${formId}-o${o.key}`}
                    label={t("quiz.option", { n: k + 1 })}
                    languages={languages}
                    values={o.labels}
                    onChange={(labels) => updateQuestion(i, { ...q, options: q.options.map((x) => (x.key === o.key ? { ...o, labels } : x)) })}
                  />
                  <div class="option-controls">
                    <label class="option option-inline">
                      <input
                        type="checkbox"
                        checked={o.correct}
                        onChange={(e) =>
                          updateQuestion(i, { ...q, options: q.options.map((x) => (x.key === o.key ? { ...o, correct: e.currentTarget.checked } : x)) })
                        }
                      />
                      <span>{t("quiz.correct", { n: k + 1 })}</span>
                    </label>
                    <MoveButtons label={t("quiz.option", { n: k + 1 })} first={k === 0} last={k === q.options.length - 1} onMove={(d) => updateQuestion(i, { ...q, options: moveItem(q.options, k, d) })} />
                    <button type="button" class="icon-button" disabled={q.options.length <= 2} onClick={() => updateQuestion(i, { ...q, options: q.options.filter((x) => x.key !== o.key) })} aria-label={t("quiz.removeOption", { n: k + 1 })}>
                      ✕
                    </button>
                  </div>
                </div>
              ))}
              <button type="button" class="button button-secondary" onClick={() => updateQuestion(i, { ...q, options: [...q.options, newOption()] })}>
                + {t("quiz.addOption")}
              </button>
            </div>
          ))}
          <button type="button" class="button button-secondary" onClick={() => setQuestions([...questions, newQuestion()])}>
            + {t("quiz.addQuestion")}
          </button>
        </fieldset>
      ) : null}
      <ErrorMessage error={error} />
      <div class="form-actions">
        <button type="submit" class="button" disabled={busy}>
          {busy ? t("common.working") : t("editor.saveLesson")}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

const PREVIEW = graphql(`query LessonPreview($id: ID!, $l: String) {
  course(id: $id) { id modules { id lessons { id kind title(lang: $l) body(lang: $l) durationMinutes required
    material { filename }
    quiz { passScore questions { id prompt(lang: $l) multiple options { id label(lang: $l) } } } } } }
}`);

/** A lesson of the draft as a learner reading the chosen language would see it (nothing is recorded). */
export function LessonPreview(props: { course: EditorCourse; lessonId: string; onClose: () => void }) {
  const { t } = useI18n();
  const languages = courseLangs(props.course);
  const [lang, setLang] = useState<Lang>((props.course.defaultLanguage as Lang) ?? languages[0]);
  const { data, error, loading } = useQuery(PREVIEW, { id: props.course.id, l: lang }, [props.course.id, lang]);
  const lesson = data?.course?.modules.flatMap((m) => m.lessons).find((x) => x.id === props.lessonId);
  return (
    <Dialog title={t("editor.previewTitle")} onClose={props.onClose}>
      <div class="field field-narrow">
        <label for="preview-lang">{t("editor.previewLanguage")}</label>
        <select id="preview-lang" value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
          {languages.map((l) => (
            <option key={l} value={l}>
              {langName(l)}
            </option>
          ))}
        </select>
      </div>
      {loading && !data ? <Loading /> : null}
      <ErrorMessage error={error} />
      {lesson ? (
        <article class="lesson-preview" lang={lang} data-testid="lesson-preview">
          <h3>{lesson.title}</h3>
          {lesson.body ? <Markdown source={lesson.body} /> : null}
          {lesson.material ? <p class="muted">{lesson.material.filename}</p> : null}
          {lesson.quiz ? (
            <ol class="quiz-preview">
              {lesson.quiz.questions.map((q) => (
                <li key={q.id}>
                  <p>{q.prompt}</p>
                  <ul>
                    {q.options.map((o) => (
                      <li key={o.id}>
                        <label class="option">
                          <input type={q.multiple ? "checkbox" : "radio"} name={`preview-${q.id}`} disabled />
                          <span>{o.label}</span>
                        </label>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          ) : null}
        </article>
      ) : null}
      <div class="form-actions">
        <button type="button" class="button button-secondary" onClick={props.onClose}>
          {t("common.close")}
        </button>
      </div>
    </Dialog>
  );
}
