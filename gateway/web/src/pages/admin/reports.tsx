// Enrolments and completions per country and municipality, as charts and CSV.
import { useState } from "preact/hooks";
import { downloadText, toCsv } from "../../csv";
import { graphql } from "../../gql";
import { useI18n } from "../../i18n";
import { ErrorMessage, Loading, PageTitle, useQuery } from "../../components/ui";
import { CourseStats, type CourseStatsData } from "../trainer/stats";
import { CourseSelect } from "./courses";

function merge(groups: CourseStatsData["byOrg"][]): CourseStatsData["byOrg"] {
  const totals = new Map<string, { key: string; enrolled: number; completed: number }>();
  for (const g of groups.flat()) {
    const t = totals.get(g.key) ?? { key: g.key, enrolled: 0, completed: 0 };
    t.enrolled += g.enrolled;
    t.completed += g.completed;
    totals.set(g.key, t);
  }
  return [...totals.values()].sort((a, b) => b.enrolled - a.enrolled);
}

export function ReportsPage() {
  const { t, lang } = useI18n();
  const [courseId, setCourseId] = useState("");
  const { data, error, loading } = useQuery(
    graphql(`query Reports($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) ...CourseStatsFields } } }`),
    { ui: lang },
    [lang],
  );
  const courses = (data?.courses.nodes ?? []).filter((c) => c.stats && (!courseId || c.id === courseId));
  const stats: CourseStatsData = {
    enrolled: courses.reduce((n, c) => n + c.stats!.enrolled, 0),
    completed: courses.reduce((n, c) => n + c.stats!.completed, 0),
    certificatesIssued: courses.reduce((n, c) => n + c.stats!.certificatesIssued, 0),
    byOrg: merge(courses.map((c) => c.stats!.byOrg)),
    byMunicipality: merge(courses.map((c) => c.stats!.byMunicipality)),
  };
  function download() {
    const rows = courses.flatMap((c) => [
      ...c.stats!.byOrg.map((g) => [c.title, "country", g.key, g.enrolled, g.completed]),
      ...c.stats!.byMunicipality.map((g) => [c.title, "municipality", g.key, g.enrolled, g.completed]),
    ]);
    downloadText("kentbilim-report.csv", toCsv(["course", "group", "key", "enrolled", "completed"], rows));
  }
  return (
    <section>
      <PageTitle>{t("reports.title")}</PageTitle>
      <div class="filters">
        <CourseSelect id="report-course" value={courseId} onChange={setCourseId} allowAll status={null} />
        <div class="field field-button">
          <button type="button" class="button button-secondary" onClick={download} disabled={!courses.length}>
            ↓ {t("reports.download")}
          </button>
        </div>
      </div>
      <ErrorMessage error={error} />
      {loading && !data ? <Loading /> : <CourseStats stats={stats} />}
    </section>
  );
}
