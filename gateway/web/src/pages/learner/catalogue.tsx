// The public catalogue: search, topic and language filters, course cards.
import { useEffect, useState } from "preact/hooks";
import { LANGUAGES, useI18n, type MessageKey, type Translate } from "../../i18n";
import { graphql } from "../../gql";
import { Link } from "../../router";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";
import { markdownToText } from "../../format";

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

const CATALOGUE = graphql(`query Catalogue($ui: String, $search: String, $topic: String, $lang: String) {
  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: 48) {
    totalCount
    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }
  }
}`);

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
  const { data, error, loading } = useQuery(
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
                {c.summary ? <p class="card-summary">{markdownToText(c.summary)}</p> : null}
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
