// The course editor: details in every language, modules and their lessons, statistics, publishing.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { useI18n, type Lang, type MessageKey } from "../../i18n";
import { graphql } from "../../gql";
import type { EditorQuery } from "../../gql/graphql";
import { Link } from "../../router";
import { rootFields } from "../../schema";
import { Dialog, ErrorMessage, Loading, PageTitle, StatusBadge, useQuery } from "../../components/ui";
import { formatSize } from "../learner/player";
import { CourseStats } from "./stats";
import { ALL_LANGS, LanguagePicker, MoveButtons, STATUS_TONE, SideBySide, type Texts, TopicPicker, courseLangs, toInput } from "./shared";
import { LessonForm, LessonPreview } from "./lesson";
import { PublishDialog } from "./publish";
import { RegistrationFields, registrationDraftOf, registrationInput } from "./live";

// Summaries are asked for in every language by alias: summary(lang) alone would fall back to another one.
const EDITOR = graphql(`query Editor($id: ID!, $ui: String) {
  course(id: $id) {
    id slug title(lang: $ui) titles { lang text } languages defaultLanguage topics status version
    hasUnpublishedChanges incompleteLanguages
    certificatePolicy { autoIssue kind }
    registration { capacity approvalRequired waitlist closesAt quotas { org seats } }
    summary_en: summary(lang: "en") summary_tr: summary(lang: "tr") summary_az: summary(lang: "az")
    summary_kk: summary(lang: "kk") summary_ky: summary(lang: "ky") summary_uz: summary(lang: "uz")
    summary_ru: summary(lang: "ru")
    modules { id position title(lang: $ui) titles { lang text }
      lessons { id position kind title(lang: $ui) titles { lang text } bodies { lang text } required durationMinutes
        material { id filename status size } quiz { passScore questions { id } }
        live { startsAt timezone } survey { questions { id } } } }
    ...CourseStatsFields
  }
}`);

export type EditorCourse = NonNullable<EditorQuery["course"]>;
export type EditorLesson = EditorCourse["modules"][number]["lessons"][number];

const MOVE = {
  Module: graphql(`mutation MoveModule($id: ID!, $p: Int!) { moveModule(id: $id, position: $p) { id } }`),
  Lesson: graphql(`mutation MoveLesson($id: ID!, $p: Int!) { moveLesson(id: $id, position: $p) { id } }`),
};

export function CourseEditorPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useQuery(EDITOR, { id, ui: lang }, [id, lang]);
  const [publishing, setPublishing] = useState(false);
  const [canMove, setCanMove] = useState(false);
  useEffect(() => {
    rootFields().then((f) => setCanMove(f.has("Mutation.moveModule") && f.has("Mutation.moveLesson")));
  }, []);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  const course = data?.course;
  if (!course) return <p class="empty">{t("course.notFound")}</p>;
  const modules = [...course.modules].sort((a, b) => a.position - b.position);
  const lessonCount = modules.reduce((n, m) => n + m.lessons.length, 0);
  return (
    <section class="editor">
      <p class="breadcrumb">
        <Link href="/teach">{t("nav.teach")}</Link>
      </p>
      <div class="page-head">
        <PageTitle>{course.title}</PageTitle>
        <div class="page-head-actions">
          <StatusBadge tone={STATUS_TONE[course.status]}>
            {t(`courseStatus.${course.status}` as MessageKey)}
            {course.version ? ` · v${course.version}` : ""}
          </StatusBadge>
          {course.version > 0 && course.hasUnpublishedChanges ? (
            <StatusBadge tone="warn">
              <span data-testid="unpublished-changes">{t("editor.unpublishedChanges")}</span>
            </StatusBadge>
          ) : null}
          <button type="button" class="button" onClick={() => setPublishing(true)} disabled={lessonCount === 0}>
            {t("editor.publish")}
          </button>
        </div>
      </div>
      {lessonCount === 0 ? <p class="muted">{t("editor.publishNeedsLessons")}</p> : null}
      <CourseDetailsForm course={course} onSaved={reload} />
      <h2>{t("editor.structure")}</h2>
      {modules.length === 0 ? <p class="empty">{t("editor.noModules")}</p> : null}
      <ol class="module-list editor-modules">
        {modules.map((m, i) => (
          <ModuleEditor
            key={m.id}
            course={course}
            module={m}
            first={i === 0}
            last={i === modules.length - 1}
            canMove={canMove}
            onChanged={reload}
          />
        ))}
      </ol>
      <AddModuleForm course={course} position={modules.length + 1} onAdded={reload} />
      <h2>{t("stats.title")}</h2>
      {course.stats ? <CourseStats stats={course.stats} /> : <p class="muted">{t("common.noData")}</p>}
      {publishing ? (
        <PublishDialog
          course={course}
          lessonCount={lessonCount}
          onClose={() => setPublishing(false)}
          onPublished={() => {
            setPublishing(false);
            reload();
          }}
        />
      ) : null}
    </section>
  );
}

function CourseDetailsForm({ course, onSaved }: { course: EditorCourse; onSaved: () => void }) {
  const { t } = useI18n();
  const initialLangs = ALL_LANGS.filter((l) => course.languages.includes(l) || course.titles.some((x) => x.lang === l));
  const [languages, setLanguages] = useState<Lang[]>(initialLangs.length ? initialLangs : ["en"]);
  const [titles, setTitles] = useState<Texts>(Object.fromEntries(course.titles.map((x) => [x.lang, x.text])));
  const [summaries, setSummaries] = useState<Texts>(
    // summary(lang) falls back to another language; keep only the languages the course really has.
    Object.fromEntries(
      initialLangs
        .map((l) => [l, course[`summary_${l}`] as string | null])
        .filter(([l, s]) => s && course.titles.some((x) => x.lang === l)),
    ),
  );
  const [topics, setTopics] = useState<string[]>(course.topics);
  const [autoIssue, setAutoIssue] = useState(course.certificatePolicy.autoIssue);
  const [registration, setRegistration] = useState(registrationDraftOf(course.registration, course.certificatePolicy.kind));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await gql(graphql(`mutation Update($id: ID!, $input: UpdateCourseInput!) { updateCourse(id: $id, input: $input) { id } }`), {
        id: course.id,
        input: {
          titles: toInput(titles, languages),
          summaries: toInput(summaries, languages),
          topics,
          autoIssueCertificate: autoIssue,
          registration: registrationInput(registration),
          certificateKind: registration.certificateKind,
        },
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <details class="panel" open={course.status === "DRAFT" && course.modules.length === 0}>
      <summary>
        <h2 class="inline-heading">{t("editor.details")}</h2>
      </summary>
      <form onSubmit={save}>
        <LanguagePicker
          languages={languages}
          onChange={(l) => l.length && setLanguages(l)}
          locked={course.defaultLanguage as Lang}
        />
        <SideBySide id="edit-title" label={t("editor.title")} languages={languages} values={titles} onChange={setTitles} required={course.defaultLanguage as Lang} />
        <SideBySide id="edit-summary" label={t("editor.summary")} languages={languages} values={summaries} onChange={setSummaries} multiline />
        <TopicPicker topics={topics} onChange={setTopics} />
        <label class="option">
          <input type="checkbox" checked={autoIssue} onChange={(e) => setAutoIssue(e.currentTarget.checked)} />
          <span>{t("editor.autoIssue")}</span>
        </label>
        <RegistrationFields value={registration} onChange={setRegistration} />
        <ErrorMessage error={error} />
        <div class="form-actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? t("common.working") : t("editor.save")}
          </button>
          <span role="status" aria-live="polite" class="muted">
            {saved ? t("editor.saved") : ""}
          </span>
        </div>
      </form>
    </details>
  );
}

function ModuleEditor(props: {
  course: EditorCourse;
  module: EditorCourse["modules"][number];
  first: boolean;
  last: boolean;
  canMove: boolean;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<{ kind: "Module" | "Lesson"; id: string; title: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lessons = [...props.module.lessons].sort((a, b) => a.position - b.position);

  async function move(kind: "Module" | "Lesson", itemId: string, position: number) {
    setError(null);
    try {
      await (kind === "Module" ? gql(MOVE.Module, { id: itemId, p: position }) : gql(MOVE.Lesson, { id: itemId, p: position }));
      props.onChanged();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <li class="module panel">
      <div class="module-head">
        <h3>
          {t("editor.module")} {props.module.position}: {props.module.title}
        </h3>
        <span class="item-actions">
          {props.canMove ? (
            <MoveButtons
              label={props.module.title}
              first={props.first}
              last={props.last}
              onMove={(d) => move("Module", props.module.id, props.module.position + d)}
            />
          ) : null}
          <button type="button" class="button button-small button-secondary" onClick={() => setRenaming(!renaming)} aria-expanded={renaming} aria-label={`${t("editor.renameModule")}: ${props.module.title}`}>
            {t("editor.renameModule")}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting({ kind: "Module", id: props.module.id, title: props.module.title })} aria-label={`${t("editor.delete")}: ${props.module.title}`}>
            {t("editor.delete")}
          </button>
        </span>
      </div>
      {renaming ? (
        <RenameModuleForm
          course={props.course}
          module={props.module}
          onCancel={() => setRenaming(false)}
          onSaved={() => {
            setRenaming(false);
            props.onChanged();
          }}
        />
      ) : null}
      <ol class="lesson-list">
        {lessons.map((l, i) => (
          <li key={l.id} class="editor-lesson">
            <span>
              <strong>{l.title}</strong>{" "}
              <span class="muted">
                · {t(`lessonKind.${l.kind}` as MessageKey)}
                {l.material ? ` · ${l.material.filename} (${formatSize(l.material.size)})` : ""}
                {l.quiz ? ` · ${t("editor.questionsCount", { count: l.quiz.questions.length })}` : ""}
                {l.required ? "" : ` · ${t("course.optional")}`}
              </span>
            </span>
            <span class="item-actions">
              {props.canMove ? (
                <MoveButtons label={l.title} first={i === 0} last={i === lessons.length - 1} onMove={(d) => move("Lesson", l.id, l.position + d)} />
              ) : null}
              {l.kind === "LIVE" ? (
                // Issue 15: the projector page (rotating QR code) and the attendance list of the session.
                <>
                  <Link class="button button-small button-secondary" href={`/teach/courses/${encodeURIComponent(props.course.id)}/sessions/${encodeURIComponent(l.id)}/projector`} aria-label={`${t("checkin.projectorTitle")}: ${l.title}`}>
                    {t("checkin.projectorTitle")}
                  </Link>
                  <Link class="button button-small button-secondary" href={`/teach/courses/${encodeURIComponent(props.course.id)}/sessions/${encodeURIComponent(l.id)}/attendance`} aria-label={`${t("checkin.toAttendance")}: ${l.title}`}>
                    {t("checkin.toAttendance")}
                  </Link>
                </>
              ) : null}
              {l.kind === "SURVEY" ? (
                <Link class="button button-small button-secondary" href={`/teach/courses/${encodeURIComponent(props.course.id)}/surveys/${encodeURIComponent(l.id)}`} aria-label={`${t("surveyResults.link")}: ${l.title}`}>
                  {t("surveyResults.link")}
                </Link>
              ) : null}
              <button type="button" class="button button-small button-secondary" onClick={() => setPreviewing(l.id)} aria-label={`${t("editor.preview")}: ${l.title}`}>
                {t("editor.preview")}
              </button>
              <button type="button" class="button button-small button-secondary" onClick={() => setEditing(editing === l.id ? null : l.id)} aria-expanded={editing === l.id} aria-label={`${t("editor.edit")}: ${l.title}`}>
                {t("editor.edit")}
              </button>
              <button type="button" class="button button-small button-danger" onClick={() => setDeleting({ kind: "Lesson", id: l.id, title: l.title })} aria-label={`${t("editor.delete")}: ${l.title}`}>
                {t("editor.delete")}
              </button>
            </span>
            {editing === l.id ? (
              <LessonForm
                course={props.course}
                moduleId={props.module.id}
                position={l.position}
                lesson={l}
                onCancel={() => setEditing(null)}
                onAdded={() => {
                  setEditing(null);
                  props.onChanged();
                }}
              />
            ) : null}
          </li>
        ))}
      </ol>
      {previewing ? <LessonPreview course={props.course} lessonId={previewing} onClose={() => setPreviewing(null)} /> : null}
      {deleting ? (
        <ConfirmDelete
          what={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            props.onChanged();
          }}
        />
      ) : null}
      <ErrorMessage error={error} />
      {adding ? (
        <LessonForm
          course={props.course}
          moduleId={props.module.id}
          position={lessons.length + 1}
          onCancel={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            props.onChanged();
          }}
        />
      ) : (
        <button type="button" class="button button-secondary" onClick={() => setAdding(true)}>
          + {t("editor.addLesson")}
        </button>
      )}
    </li>
  );
}

const DELETE = {
  Module: graphql(`mutation DeleteModule($id: ID!) { deleteModule(id: $id) }`),
  Lesson: graphql(`mutation DeleteLesson($id: ID!) { deleteLesson(id: $id) }`),
};

function ConfirmDelete(props: { what: { kind: "Module" | "Lesson"; id: string; title: string }; onClose: () => void; onDeleted: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await (props.what.kind === "Module" ? gql(DELETE.Module, { id: props.what.id }) : gql(DELETE.Lesson, { id: props.what.id }));
      props.onDeleted();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  const title = props.what.kind === "Module" ? t("editor.deleteModuleTitle", { title: props.what.title }) : t("editor.deleteLessonTitle", { title: props.what.title });
  return (
    <Dialog title={title} onClose={props.onClose}>
      <p>{props.what.kind === "Module" ? t("editor.deleteModuleBody") : t("editor.deleteLessonBody")}</p>
      <ErrorMessage error={error} />
      <div class="form-actions">
        <button type="button" class="button button-danger" onClick={remove} disabled={busy}>
          {busy ? t("common.working") : t("editor.deleteConfirm")}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onClose}>
          {t("common.cancel")}
        </button>
      </div>
    </Dialog>
  );
}

function RenameModuleForm(props: { course: EditorCourse; module: EditorCourse["modules"][number]; onCancel: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const languages = courseLangs(props.course);
  const [titles, setTitles] = useState<Texts>(Object.fromEntries(props.module.titles.map((x) => [x.lang, x.text])));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(graphql(`mutation UpdateModule($id: ID!, $i: ModuleInput!) { updateModule(id: $id, input: $i) { id } }`), {
        id: props.module.id,
        i: { titles: toInput(titles, languages) },
      });
      props.onSaved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form class="panel panel-quiet" onSubmit={save}>
      <SideBySide id={`rename-${props.module.id}`} label={t("editor.moduleTitle")} languages={languages} values={titles} onChange={setTitles} required={props.course.defaultLanguage as Lang} />
      <ErrorMessage error={error} />
      <div class="form-actions">
        <button type="submit" class="button" disabled={busy}>
          {busy ? t("common.working") : t("editor.save")}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

function AddModuleForm({ course, position, onAdded }: { course: EditorCourse; position: number; onAdded: () => void }) {
  const { t } = useI18n();
  const languages = courseLangs(course);
  const [titles, setTitles] = useState<Texts>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function add(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(graphql(`mutation AddModule($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }`), {
        c: course.id,
        i: { titles: toInput(titles, languages), position },
      });
      setTitles({});
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="panel panel-quiet" onSubmit={add}>
      <h3>{t("editor.addModule")}</h3>
      <SideBySide id="module-title" label={t("editor.moduleTitle")} languages={languages} values={titles} onChange={setTitles} required={course.defaultLanguage as Lang} />
      <ErrorMessage error={error} />
      <button type="submit" class="button" disabled={busy}>
        {busy ? t("common.working") : t("editor.addModule")}
      </button>
    </form>
  );
}
