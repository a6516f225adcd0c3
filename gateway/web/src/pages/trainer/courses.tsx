// The trainer's course list and the form that creates a course.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../../api";
import { useSession } from "../../auth";
import { useI18n, type Lang, type MessageKey } from "../../i18n";
import { graphql } from "../../gql";
import { Link, navigate } from "../../router";
import { ErrorMessage, Loading, PageTitle, StatusBadge, useQuery } from "../../components/ui";
import { LanguagePicker, STATUS_TONE, SideBySide, TopicPicker, langName, toInput, type Texts } from "./shared";

export function TeachPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const { data, error, loading } = useQuery(
    graphql(`query Teach($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) status version ownerId languages } } }`),
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
      const data = await gql(
        graphql(`mutation Create($input: CreateCourseInput!) { createCourse(input: $input) { id } }`),
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
