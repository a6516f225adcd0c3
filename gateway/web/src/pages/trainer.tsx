// The trainer's pages: my courses, course editor (languages side by side, modules, lessons, quizzes,
// materials), publishing and course statistics.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gql } from "../api";
import { useSession } from "../auth";
import { LANGUAGES, useI18n, type Lang, type MessageKey } from "../i18n";
import { Link, navigate } from "../router";
import { rootFields } from "../schema";
import {
  BarChart,
  Dialog,
  ErrorMessage,
  Loading,
  PageTitle,
  ProgressBar,
  StatusBadge,
  errorText,
  useQuery,
} from "../components/ui";
import { KNOWN_TOPICS, formatSize, topicLabel } from "./learner";

type Texts = Partial<Record<Lang, string>>;

function langName(code: string): string {
  return LANGUAGES.find((l) => l.code === code)?.name ?? code;
}

function toInput(texts: Texts, languages: Lang[]) {
  return languages.map((lang) => ({ lang, text: (texts[lang] ?? "").trim() })).filter((x) => x.text);
}

/** One text in several languages, one column per language, so translators see them side by side. */
function SideBySide(props: {
  id: string;
  label: string;
  languages: Lang[];
  values: Texts;
  onChange: (values: Texts) => void;
  multiline?: boolean;
  required?: Lang;
}) {
  return (
    <div class="side-by-side" style={{ "--columns": String(Math.max(1, props.languages.length)) }}>
      {props.languages.map((lang) => {
        const id = `${props.id}-${lang}`;
        const common = {
          id,
          lang,
          value: props.values[lang] ?? "",
          required: props.required === lang,
          onInput: (e: Event) => props.onChange({ ...props.values, [lang]: (e.currentTarget as HTMLInputElement).value }),
        };
        return (
          <div class="field" key={lang}>
            <label for={id}>
              {props.label} · <span class="lang-name">{langName(lang)}</span>
            </label>
            {props.multiline ? <textarea rows={5} {...common} /> : <input type="text" {...common} />}
          </div>
        );
      })}
    </div>
  );
}

function LanguagePicker(props: { languages: Lang[]; onChange: (l: Lang[]) => void; locked?: Lang }) {
  const { t } = useI18n();
  return (
    <fieldset class="field language-picker">
      <legend>{t("editor.languages")}</legend>
      {LANGUAGES.map((l) => (
        <label key={l.code} class="option option-inline">
          <input
            type="checkbox"
            checked={props.languages.includes(l.code)}
            disabled={l.code === props.locked}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked
                  ? LANGUAGES.map((x) => x.code).filter((c) => c === l.code || props.languages.includes(c))
                  : props.languages.filter((c) => c !== l.code),
              )
            }
          />
          <span>{l.name}</span>
        </label>
      ))}
    </fieldset>
  );
}

function TopicPicker(props: { topics: string[]; onChange: (t: string[]) => void }) {
  const { t } = useI18n();
  return (
    <fieldset class="field">
      <legend>{t("editor.topics")}</legend>
      {KNOWN_TOPICS.map((k) => (
        <label key={k} class="option option-inline">
          <input
            type="checkbox"
            checked={props.topics.includes(k)}
            onChange={(e) =>
              props.onChange(e.currentTarget.checked ? [...props.topics, k] : props.topics.filter((x) => x !== k))
            }
          />
          <span>{topicLabel(t, k)}</span>
        </label>
      ))}
    </fieldset>
  );
}

interface TeachCourse {
  id: string;
  title: string;
  status: "DRAFT" | "PUBLISHED" | "ARCHIVED";
  version: number;
  ownerId: string;
  languages: string[];
}

const STATUS_TONE = { DRAFT: "warn", PUBLISHED: "ok", ARCHIVED: "neutral" } as const;

export function TeachPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const { data, error, loading } = useQuery<{ courses: { nodes: TeachCourse[] } }>(
    `query Teach($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) status version ownerId languages } } }`,
    { ui: lang },
    [lang],
  );
  const admin = session?.roles.includes("admin");
  // The list holds every course the viewer may see; a trainer manages the ones they own.
  const mine = data?.courses.nodes.filter((c) => admin || c.ownerId === session?.sub) ?? [];
  return (
    <section>
      <div class="page-head">
        <PageTitle>{t("teach.title")}</PageTitle>
        <Link class="button" href="/teach/new">
          + {t("teach.new")}
        </Link>
      </div>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : null}
      {data && mine.length === 0 ? <p class="empty">{t("teach.empty")}</p> : null}
      {mine.length ? (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">{t("teach.course")}</th>
              <th scope="col">{t("teach.status")}</th>
              <th scope="col">{t("teach.version")}</th>
              <th scope="col">{t("catalogue.languages")}</th>
            </tr>
          </thead>
          <tbody>
            {mine.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link href={`/teach/courses/${c.id}`}>{c.title}</Link>
                </td>
                <td>
                  <StatusBadge tone={STATUS_TONE[c.status]}>{t(`courseStatus.${c.status}` as MessageKey)}</StatusBadge>
                </td>
                <td>{c.version || "—"}</td>
                <td>{c.languages.map((l) => l.toUpperCase()).join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function slugify(text: string): string {
  // Slugs are identifiers: transliterate nothing, keep ASCII letters and digits only.
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ə/gi, "e")
    .replace(/ı/g, "i")
    .replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

export function NewCoursePage() {
  const { t, lang } = useI18n();
  const [languages, setLanguages] = useState<Lang[]>(lang === "en" ? ["en"] : ["en", lang]);
  const [defaultLanguage, setDefaultLanguage] = useState<Lang>(lang);
  const [titles, setTitles] = useState<Texts>({});
  const [summaries, setSummaries] = useState<Texts>({});
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  const [topics, setTopics] = useState<string[]>([]);
  const [autoIssue, setAutoIssue] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const effectiveDefault = languages.includes(defaultLanguage) ? defaultLanguage : languages[0];

  useEffect(() => {
    if (!slugTouched) setSlug(slugify(titles.en ?? titles[effectiveDefault] ?? Object.values(titles)[0] ?? ""));
  }, [titles, slugTouched, effectiveDefault]);

  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    if (!titles[effectiveDefault]?.trim()) {
      setError(new Error(t("editor.needDefaultTitle", { lang: langName(effectiveDefault) })));
      return;
    }
    setBusy(true);
    try {
      const data = await gql<{ createCourse: { id: string } }>(
        `mutation Create($input: CreateCourseInput!) { createCourse(input: $input) { id } }`,
        {
          input: {
            slug,
            titles: toInput(titles, languages),
            summaries: toInput(summaries, languages),
            defaultLanguage: effectiveDefault,
            topics,
            autoIssueCertificate: autoIssue,
          },
        },
      );
      navigate(`/teach/courses/${data.createCourse.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <p class="breadcrumb">
        <Link href="/teach">{t("nav.teach")}</Link>
      </p>
      <PageTitle>{t("teach.new")}</PageTitle>
      <form class="panel" onSubmit={create}>
        <LanguagePicker languages={languages} onChange={(l) => l.length && setLanguages(l)} />
        <SideBySide id="course-title" label={t("editor.title")} languages={languages} values={titles} onChange={setTitles} required={effectiveDefault} />
        <SideBySide id="course-summary" label={t("editor.summary")} languages={languages} values={summaries} onChange={setSummaries} multiline />
        <div class="form-grid">
          <div class="field">
            <label for="course-default">{t("editor.defaultLanguage")}</label>
            <select id="course-default" value={effectiveDefault} onChange={(e) => setDefaultLanguage(e.currentTarget.value as Lang)}>
              {languages.map((l) => (
                <option key={l} value={l}>
                  {langName(l)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="course-slug">{t("editor.slug")}</label>
            <input
              id="course-slug"
              required
              pattern="[a-z0-9][a-z0-9\-]*"
              value={slug}
              aria-describedby="course-slug-help"
              onInput={(e) => {
                setSlugTouched(true);
                setSlug(e.currentTarget.value);
              }}
            />
            <small id="course-slug-help" class="help">
              {t("editor.slugHelp")}
            </small>
          </div>
        </div>
        <TopicPicker topics={topics} onChange={setTopics} />
        <label class="option">
          <input type="checkbox" checked={autoIssue} onChange={(e) => setAutoIssue(e.currentTarget.checked)} />
          <span>{t("editor.autoIssue")}</span>
        </label>
        <ErrorMessage error={error} />
        <div class="form-actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? t("common.working") : t("editor.create")}
          </button>
        </div>
      </form>
    </section>
  );
}

interface EditorLesson {
  id: string;
  position: number;
  kind: "TEXT" | "VIDEO" | "DOCUMENT" | "QUIZ";
  title: string;
  required: boolean;
  durationMinutes: number | null;
  material: { filename: string; status: string; size: number } | null;
  quiz: { passScore: number; questions: { id: string }[] } | null;
}

interface EditorCourse {
  id: string;
  slug: string;
  title: string;
  titles: { lang: string; text: string }[];
  languages: string[];
  defaultLanguage: string;
  topics: string[];
  status: "DRAFT" | "PUBLISHED" | "ARCHIVED";
  version: number;
  certificatePolicy: { autoIssue: boolean };
  modules: { id: string; position: number; title: string; lessons: EditorLesson[] }[];
  stats: CourseStatsData | null;
  [summaryAlias: string]: unknown;
}

interface CourseStatsData {
  enrolled: number;
  completed: number;
  certificatesIssued: number;
  byOrg: { key: string; enrolled: number; completed: number }[];
  byMunicipality: { key: string; enrolled: number; completed: number }[];
}

const ALL_LANGS = LANGUAGES.map((l) => l.code);
const STATS_FIELDS = `stats { enrolled completed certificatesIssued byOrg { key enrolled completed } byMunicipality { key enrolled completed } }`;

const EDITOR = `query Editor($id: ID!, $ui: String) {
  course(id: $id) {
    id slug title(lang: $ui) titles { lang text } languages defaultLanguage topics status version
    certificatePolicy { autoIssue }
    ${ALL_LANGS.map((l) => `summary_${l}: summary(lang: "${l}")`).join(" ")}
    modules { id position title(lang: $ui)
      lessons { id position kind title(lang: $ui) required durationMinutes
        material { filename status size } quiz { passScore questions { id } } } }
    ${STATS_FIELDS}
  }
}`;

export function CourseEditorPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { data, error, loading, reload } = useQuery<{ course: EditorCourse | null }>(EDITOR, { id, ui: lang }, [id, lang]);
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
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await gql(`mutation Update($id: ID!, $input: UpdateCourseInput!) { updateCourse(id: $id, input: $input) { id } }`, {
        id: course.id,
        input: {
          titles: toInput(titles, languages),
          summaries: toInput(summaries, languages),
          topics,
          autoIssueCertificate: autoIssue,
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

function courseLangs(course: EditorCourse): Lang[] {
  const langs = ALL_LANGS.filter((l) => course.languages.includes(l));
  return langs.length ? langs : [course.defaultLanguage as Lang];
}

function MoveButtons(props: { label: string; first: boolean; last: boolean; onMove: (delta: -1 | 1) => void }) {
  const { t } = useI18n();
  return (
    <span class="move-buttons">
      <button type="button" class="icon-button" disabled={props.first} onClick={() => props.onMove(-1)} aria-label={t("editor.moveUp", { name: props.label })}>
        ↑
      </button>
      <button type="button" class="icon-button" disabled={props.last} onClick={() => props.onMove(1)} aria-label={t("editor.moveDown", { name: props.label })}>
        ↓
      </button>
    </span>
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
  const [error, setError] = useState<unknown>(null);
  const lessons = [...props.module.lessons].sort((a, b) => a.position - b.position);

  async function move(kind: "Module" | "Lesson", itemId: string, position: number) {
    setError(null);
    try {
      await gql(`mutation Move($id: ID!, $p: Int!) { move${kind}(id: $id, position: $p) { id } }`, { id: itemId, p: position });
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
        {props.canMove ? (
          <MoveButtons
            label={props.module.title}
            first={props.first}
            last={props.last}
            onMove={(d) => move("Module", props.module.id, props.module.position + d)}
          />
        ) : null}
      </div>
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
            {props.canMove ? (
              <MoveButtons label={l.title} first={i === 0} last={i === lessons.length - 1} onMove={(d) => move("Lesson", l.id, l.position + d)} />
            ) : null}
          </li>
        ))}
      </ol>
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
      await gql(`mutation AddModule($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }`, {
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

function moveItem<T>(items: T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (target < 0 || target >= items.length) return items;
  const copy = [...items];
  [copy[index], copy[target]] = [copy[target], copy[index]];
  return copy;
}

export interface UploadedMaterial {
  id: string;
  filename: string;
  size: number;
  status: string;
}

const ACCEPT = { VIDEO: "video/mp4,video/webm", DOCUMENT: ".pdf,.docx,.pptx,.xlsx,.odt,.txt,application/pdf" } as const;

/** Upload a file straight to object storage through a presigned URL, showing progress. */
function MaterialUploader(props: { courseId: string; kind: "VIDEO" | "DOCUMENT"; onUploaded: (m: UploadedMaterial | null) => void }) {
  const { t } = useI18n();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<UploadedMaterial | null>(null);

  async function upload(file: File) {
    setError(null);
    setDone(null);
    props.onUploaded(null);
    if (file.size === 0) {
      setError(t("upload.empty"));
      return;
    }
    const contentType = file.type || "application/octet-stream";
    try {
      setProgress(0);
      const { requestMaterialUpload: ticket } = await gql<{
        requestMaterialUpload: { uploadUrl: string; material: { id: string } };
      }>(
        `mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {
          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) { uploadUrl material { id } }
        }`,
        { c: props.courseId, f: file.name, t: contentType, s: file.size },
      );
      await putWithProgress(ticket.uploadUrl, file, contentType, setProgress);
      const { confirmMaterialUpload: material } = await gql<{ confirmMaterialUpload: UploadedMaterial & { status: string } }>(
        `mutation Confirm($m: ID!) { confirmMaterialUpload(materialId: $m) { id filename size status } }`,
        { m: ticket.material.id },
      );
      if (material.status === "REJECTED") {
        setError(t("upload.rejected"));
        setProgress(null);
        return;
      }
      setDone(material);
      props.onUploaded(material);
    } catch (err) {
      setProgress(null);
      if (err instanceof ApiError) {
        setError(errorText(t, err));
      } else {
        setError(err instanceof Error && err.message ? err.message : t("upload.failed"));
      }
    }
  }

  const inputId = `material-${props.kind.toLowerCase()}`;
  return (
    <div class="uploader">
      <div class="field">
        <label for={inputId}>{props.kind === "VIDEO" ? t("upload.video") : t("upload.document")}</label>
        <input
          id={inputId}
          type="file"
          accept={ACCEPT[props.kind]}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) void upload(file);
          }}
        />
      </div>
      {progress !== null && !error ? <ProgressBar value={progress} label={t("upload.progress")} /> : null}
      {error ? (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      ) : null}
      {done ? (
        <p class="alert alert-success" role="status">
          {t("upload.done", { name: done.filename, size: formatSize(done.size) })}
        </p>
      ) : null}
    </div>
  );
}

function putWithProgress(url: string, file: File, contentType: string, onProgress: (pct: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress((100 * e.loaded) / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve();
      } else {
        reject(new Error(`${xhr.status} ${xhr.statusText}`.trim()));
      }
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(file);
  });
}

function LessonForm(props: { course: EditorCourse; moduleId: string; position: number; onCancel: () => void; onAdded: () => void }) {
  const { t } = useI18n();
  const languages = courseLangs(props.course);
  const [kind, setKind] = useState<EditorLesson["kind"]>("TEXT");
  const [titles, setTitles] = useState<Texts>({});
  const [bodies, setBodies] = useState<Texts>({});
  const [duration, setDuration] = useState("");
  const [required, setRequired] = useState(true);
  const [material, setMaterial] = useState<UploadedMaterial | null>(null);
  const [passScore, setPassScore] = useState("70");
  const [questions, setQuestions] = useState<DraftQuestion[]>([newQuestion()]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formId = `lesson-${props.moduleId}`;

  function problems(): string | null {
    if (!titles[props.course.defaultLanguage as Lang]?.trim()) {
      return t("editor.needDefaultTitle", { lang: langName(props.course.defaultLanguage) });
    }
    if ((kind === "VIDEO" || kind === "DOCUMENT") && !material) return t("editor.needMaterial");
    if (kind === "QUIZ") {
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
    try {
      await gql(`mutation AddLesson($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }`, {
        m: props.moduleId,
        i: {
          kind,
          titles: toInput(titles, languages),
          bodies: toInput(bodies, languages),
          durationMinutes: duration ? Number(duration) : null,
          required,
          position: props.position,
          materialId: kind === "VIDEO" || kind === "DOCUMENT" ? material?.id : null,
          quiz:
            kind === "QUIZ"
              ? {
                  passScore: Number(passScore),
                  questions: questions.map((q) => ({
                    prompts: toInput(q.prompts, languages),
                    options: q.options.map((o) => ({ labels: toInput(o.labels, languages), correct: o.correct })),
                  })),
                }
              : null,
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
      <h4 id={`${formId}-heading`}>{t("editor.newLesson")}</h4>
      <div class="form-grid">
        <div class="field">
          <label for={`${formId}-kind`}>{t("editor.lessonKind")}</label>
          <select id={`${formId}-kind`} value={kind} onChange={(e) => setKind(e.currentTarget.value as EditorLesson["kind"])}>
            {(["TEXT", "VIDEO", "DOCUMENT", "QUIZ"] as const).map((k) => (
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
      {kind === "VIDEO" || kind === "DOCUMENT" ? (
        <MaterialUploader key={kind} courseId={props.course.id} kind={kind} onUploaded={setMaterial} />
      ) : null}
      {kind === "QUIZ" ? (
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

function PublishDialog(props: { course: EditorCourse; lessonCount: number; onClose: () => void; onPublished: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = props.course.version + 1;
  async function publish() {
    setBusy(true);
    setError(null);
    try {
      await gql(`mutation Publish($id: ID!) { publishCourse(id: $id) { id status version } }`, { id: props.course.id });
      props.onPublished();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Dialog title={t("publish.title", { version: next })} onClose={props.onClose}>
      <p>{t("publish.what", { version: next, modules: props.course.modules.length, lessons: props.lessonCount })}</p>
      <p>{t("publish.languages", { languages: props.course.languages.map(langName).join(", ") })}</p>
      {props.course.version > 0 ? <p>{t("publish.existing", { version: props.course.version })}</p> : null}
      <p class="muted">{t("publish.immutable")}</p>
      <ErrorMessage error={error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={publish} disabled={busy}>
          {busy ? t("common.working") : t("publish.confirm", { version: next })}
        </button>
        <button type="button" class="button button-secondary" onClick={props.onClose}>
          {t("common.cancel")}
        </button>
      </div>
    </Dialog>
  );
}

export function CourseStats({ stats }: { stats: CourseStatsData }) {
  const { t, number } = useI18n();
  const bars = (groups: CourseStatsData["byOrg"]) =>
    groups.map((g) => ({
      key: g.key || "—",
      values: [
        { label: t("stats.enrolled"), value: g.enrolled, tone: "primary" as const },
        { label: t("stats.completed"), value: g.completed, tone: "accent" as const },
      ],
    }));
  return (
    <div class="stats">
      <dl class="stat-tiles">
        <div>
          <dt>{t("stats.enrolled")}</dt>
          <dd>{number(stats.enrolled)}</dd>
        </div>
        <div>
          <dt>{t("stats.completed")}</dt>
          <dd>{number(stats.completed)}</dd>
        </div>
        <div>
          <dt>{t("stats.certificates")}</dt>
          <dd>{number(stats.certificatesIssued)}</dd>
        </div>
      </dl>
      <div class="chart-grid">
        <div>
          <h3>{t("stats.byOrg")}</h3>
          <BarChart title={t("stats.byOrg")} bars={bars(stats.byOrg)} />
        </div>
        <div>
          <h3>{t("stats.byMunicipality")}</h3>
          <BarChart title={t("stats.byMunicipality")} bars={bars(stats.byMunicipality)} />
        </div>
      </div>
    </div>
  );
}

export { STATS_FIELDS };
export type { CourseStatsData };
