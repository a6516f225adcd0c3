// The learner's enrolments with progress and resume.
import { useI18n, type MessageKey } from "../../i18n";
import { graphql } from "../../gql";
import { Link } from "../../router";
import { ErrorMessage, Loading, PageTitle, ProgressBar, useQuery } from "../../components/ui";

export function MyLearningPage() {
  const { t, lang, date } = useI18n();
  const { data, error, loading } = useQuery(
    graphql(`query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId
      course { id title(lang: $ui) } certificate { id code } } }`),
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
