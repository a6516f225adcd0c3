// Course statistics: tiles and bar charts by country and municipality.
import { useI18n } from "../../i18n";
import { BarChart } from "../../components/ui";
import { graphql } from "../../gql";
import type { CourseStatsFieldsFragment } from "../../gql/graphql";

graphql(`fragment CourseStatsFields on Course {
  stats { enrolled completed certificatesIssued byOrg { key enrolled completed } byMunicipality { key enrolled completed } }
}`);

export type CourseStatsData = NonNullable<CourseStatsFieldsFragment["stats"]>;

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
