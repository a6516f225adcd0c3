// The public catalogue: search, topic and language filters, course cards.
import { useEffect, useState } from "preact/hooks";
import { LANGUAGES, useI18n } from "../../i18n";
import { TOPICS, topicChips, topicLabel } from "../../topics";
import { graphql } from "../../gql";
import { Link } from "../../router";
import { gql } from "../../api";
import type { CatalogueQuery } from "../../gql/graphql";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";
import { markdownToText } from "../../format";

// The vocabulary and its names live in src/topics.ts; re-exported for the pages that import them from here.
export { TOPICS as KNOWN_TOPICS, topicLabel } from "../../topics";

/** Courses per page of the catalogue; "Load more" asks for the next page with the cursor. */
export const CATALOGUE_PAGE = 24;

const CATALOGUE = graphql(`query Catalogue($ui: String, $search: String, $topic: String, $lang: String, $first: Int, $after: String) {
  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: $first, after: $after) {
    totalCount
    pageInfo { endCursor hasNextPage }
    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }
  }
}`);

type CatalogueCourse = CatalogueQuery["courses"]["nodes"][number];

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
  const variables = { ui: lang, search: debounced || null, topic: topic || null, lang: courseLang || null, first: CATALOGUE_PAGE };
  const { data, error, loading } = useQuery(CATALOGUE, { ...variables, after: null }, [lang, debounced, topic, courseLang]);
  // Pages after the first, appended by "Load more"; a change of filters starts again from page one.
  const [more, setMore] = useState<{ nodes: CatalogueCourse[]; endCursor: string | null; hasNextPage: boolean } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [data]);
  const nodes = data ? [...data.courses.nodes, ...(more?.nodes ?? [])] : [];
  const pageInfo = more ?? data?.courses.pageInfo;
  async function loadMore() {
    if (!pageInfo?.endCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    const firstNew = nodes.length;
    try {
      const next = await gql(CATALOGUE, { ...variables, after: pageInfo.endCursor });
      setMore({ nodes: [...(more?.nodes ?? []), ...next.courses.nodes], ...next.courses.pageInfo });
      // The keyboard goes on from the first new course.
      requestAnimationFrame(() => document.querySelectorAll<HTMLElement>(".course-card .card-title a")[firstNew]?.focus());
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  }
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
            {TOPICS.map((k) => (
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
          {nodes.length === 0 ? <p class="empty">{t("catalogue.empty")}</p> : null}
          <ul class="cards">
            {nodes.map((c) => (
              <li key={c.id} class="card course-card">
                <h2 class="card-title">
                  <Link href={`/courses/${c.id}`}>{c.title}</Link>
                </h2>
                {c.summary ? <p class="card-summary">{markdownToText(c.summary)}</p> : null}
                <div class="tags">
                  {topicChips(c.topics).map((k) => (
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
          {pageInfo?.hasNextPage ? (
            <p class="load-more">
              <button type="button" class="button button-secondary" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? t("common.loading") : t("catalogue.loadMore", { shown: nodes.length, total: data.courses.totalCount })}
              </button>
            </p>
          ) : null}
          <ErrorMessage error={moreError} />
        </>
      ) : null}
    </section>
  );
}
