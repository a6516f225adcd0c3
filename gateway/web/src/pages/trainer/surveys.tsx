// A SURVEY lesson's results (issue 15), for the course's trainers, admins and country admins (the server
// scopes the numbers: a country admin sees their state's respondents only). Per question: its prompt and
// the number of answers; RATING the mean and a bar chart of the distribution 1..scale; SINGLE_CHOICE a bar
// chart of the option counts; TEXT the answers. Every chart has a data table as its text alternative.
import { useId } from "preact/hooks";
import { graphql } from "../../gql";
import type { SurveyResultsQuery } from "../../gql/graphql";
import { numberFormatter, useI18n } from "../../i18n";
import { Link } from "../../router";
import { BarChartFigure } from "../../components/chart";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";

const RESULTS = graphql(`
  query SurveyResults($c: ID!, $l: ID!, $ui: String) {
    course(id: $c) {
      id
      title(lang: $ui)
      modules {
        lessons {
          id
          kind
          title(lang: $ui)
          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }
        }
      }
      surveyResults(lessonId: $l) { questionId responses mean distribution optionCounts texts }
    }
  }
`);

type Course = NonNullable<SurveyResultsQuery["course"]>;
type Question = NonNullable<Course["modules"][number]["lessons"][number]["survey"]>["questions"][number];
type Result = NonNullable<Course["surveyResults"]>[number];

/** The numbers of a chart, written out as a table (the chart's text alternative). */
function CountTable(props: { id: string; caption: string; head: string; labels: string[]; counts: number[] }) {
  const { t, number } = useI18n();
  return (
    <div class="table-scroll chart-table" tabIndex={0} role="region" aria-label={props.caption}>
      <table class="table" id={props.id}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.head}</th>
            <th scope="col" class="num">
              {t("surveyResults.count")}
            </th>
          </tr>
        </thead>
        <tbody>
          {props.labels.map((label, i) => (
            <tr key={label + i}>
              <th scope="row">{label}</th>
              <td class="num">{number(props.counts[i] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function QuestionResult({ question, result, index }: { question: Question; result: Result | undefined; index: number }) {
  const { t, lang, number } = useI18n();
  const tableId = useId();
  const responses = result?.responses ?? 0;
  const decimal = numberFormatter(lang, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  let body: preact.ComponentChildren = null;
  if (responses === 0) {
    body = <p class="muted">{t("surveyResults.noAnswers")}</p>;
  } else if (question.kind === "RATING" && result?.distribution) {
    const scale = question.scale ?? result.distribution.length;
    const labels = Array.from({ length: scale }, (_, i) => String(i + 1));
    const counts = labels.map((_, i) => result.distribution![i] ?? 0);
    body = (
      <>
        {result.mean != null ? (
          <p class="survey-mean" data-testid="survey-mean">
            {t("surveyResults.mean", { mean: decimal(result.mean), scale })}
          </p>
        ) : null}
        <BarChartFigure
          title={t("surveyResults.distributionChart", { prompt: question.prompt })}
          labels={labels}
          series={[{ label: t("surveyResults.count"), values: counts, tone: "primary" }]}
          tableId={tableId}
        >
          <CountTable id={tableId} caption={t("surveyResults.distributionTable")} head={t("surveyResults.rating")} labels={labels} counts={counts} />
        </BarChartFigure>
      </>
    );
  } else if (question.kind === "SINGLE_CHOICE" && result?.optionCounts) {
    const labels = (question.options ?? []).map((o) => o.label);
    const counts = labels.map((_, i) => result.optionCounts![i] ?? 0);
    body = (
      <BarChartFigure
        title={t("surveyResults.optionsChart", { prompt: question.prompt })}
        labels={labels}
        series={[{ label: t("surveyResults.count"), values: counts, tone: "accent" }]}
        tableId={tableId}
        horizontal
      >
        <CountTable id={tableId} caption={t("surveyResults.optionsTable")} head={t("surveyResults.option")} labels={labels} counts={counts} />
      </BarChartFigure>
    );
  } else if (question.kind === "TEXT" && result?.texts) {
    body = (
      <ul class="survey-texts" data-testid="survey-texts">
        {result.texts.map((text, i) => (
          <li key={i}>{text}</li>
        ))}
      </ul>
    );
  } else {
    // The server left out the numbers: an anonymous survey with too few respondents in this scope.
    body = (
      <p class="muted" data-testid="survey-suppressed">
        {t("surveyResults.suppressed")}
      </p>
    );
  }
  return (
    <li class="panel survey-result" data-testid="survey-result" data-kind={question.kind}>
      <h2>
        {t("surveyResults.questionHeading", { n: index + 1 })} {question.prompt}
      </h2>
      <p class="muted" data-testid="survey-responses">
        {t("surveyResults.responses", { count: responses, n: number(responses) })}
      </p>
      {body}
    </li>
  );
}

export function SurveyResultsPage({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { t, lang } = useI18n();
  const { data, error, loading } = useQuery(RESULTS, { c: courseId, l: lessonId, ui: lang }, [courseId, lessonId, lang]);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorMessage error={error} />;
  const course = data?.course;
  const lesson = course?.modules.flatMap((m) => m.lessons).find((l) => l.id === lessonId);
  if (!course || !lesson || lesson.kind !== "SURVEY" || !lesson.survey) return <p class="empty">{t("surveyResults.notFound")}</p>;
  const results = course.surveyResults ?? [];
  const byId = new Map(results.map((r) => [r.questionId, r]));
  const anyAnswer = results.some((r) => r.responses > 0);
  return (
    <section class="survey-results">
      <p class="breadcrumb">
        <Link href={`/teach/courses/${encodeURIComponent(courseId)}`}>{course.title}</Link>
      </p>
      <PageTitle>{t("surveyResults.title", { survey: lesson.title })}</PageTitle>
      {lesson.survey.anonymous ? (
        <p class="alert alert-info" data-testid="survey-anonymous-note">
          {t("surveyResults.anonymousNote")}
        </p>
      ) : (
        <p class="muted">{t("surveyResults.namedNote")}</p>
      )}
      {!anyAnswer ? (
        <p class="empty" data-testid="survey-empty">
          {lesson.survey.anonymous ? t("surveyResults.emptyAnonymous") : t("surveyResults.empty")}
        </p>
      ) : (
        <ol class="survey-result-list">
          {lesson.survey.questions.map((q, i) => (
            <QuestionResult key={q.id} question={q} result={byId.get(q.id)} index={i} />
          ))}
        </ol>
      )}
    </section>
  );
}
