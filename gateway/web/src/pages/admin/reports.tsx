// National reports (issue 14): enrolments, completions, certificates and learners grouped by state,
// municipality, course and month, for admins (every state) and country admins (their own state only).
// Two charts (completions per month and per municipality), each described by its data table, and the
// report as CSV through the gateway's signed link, asked for when the button is pressed.
import { useEffect, useId, useState } from "preact/hooks";
import { gql } from "../../api";
import { useSession } from "../../auth";
import { BarChartFigure } from "../../components/chart";
import { ErrorMessage, Loading, PageTitle } from "../../components/ui";
import { countryName } from "../../country";
import { getLang, useI18n, type I18n, type MessageKey } from "../../i18n";
import { openStorageUrl } from "../learner/player";
import { CourseSelect } from "./courses";
import {
  NATIONAL_REPORT,
  NATIONAL_REPORT_CSV,
  type Dimension,
  type NationalReportData,
  type ReportRowData,
  type ReportVariables,
} from "./directoryOps";

/** The member states and the observers, by the code tokens carry in their `org` claim. */
export const STATES = ["AZ", "KZ", "KG", "TR", "UZ", "HU", "TM"] as const;
const DIMENSIONS: Dimension[] = ["ORG", "MUNICIPALITY", "COURSE", "MONTH"];

/** A state's name in the page language (Intl.DisplayNames, else the catalogue), or its code. */
export function stateName(t: I18n["t"], org: string | null | undefined): string {
  return countryName(t, getLang(), org);
}

/** "2026-11" as "November 2026" in the page language (nominative month names from the catalogue). */
export function monthName(t: I18n["t"], ym: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})$/.exec(ym ?? "");
  if (!m) return ym || "—";
  const months = t("reports.monthNames").split("|");
  return t("reports.month", { month: months[Number(m[2]) - 1] ?? m[2], year: m[1] });
}

/** The scope a viewer may ask for: a country admin's state is fixed to the state of their token. */
export function useStateScope(): { fixedOrg: string | null; countryAdmin: boolean } {
  const session = useSession();
  const countryAdmin = !!session && session.roles.includes("country_admin") && !session.roles.includes("admin");
  return { countryAdmin, fixedOrg: countryAdmin ? (session?.org ?? null) : null };
}

export function StateSelect(props: { id: string; value: string; onChange: (org: string) => void; fixedOrg: string | null }) {
  const { t } = useI18n();
  const hintId = useId();
  return (
    <div class="field">
      <label for={props.id}>{t("reports.state")}</label>
      {props.fixedOrg ? (
        // Only their own state is on offer; the server refuses any other one anyway (FORBIDDEN).
        <>
          <select id={props.id} value={props.fixedOrg} disabled aria-describedby={hintId}>
            <option value={props.fixedOrg}>{stateName(t, props.fixedOrg)}</option>
          </select>
          <small id={hintId} class="muted">
            {t("reports.stateFixed")}
          </small>
        </>
      ) : (
        <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
          <option value="">{t("reports.allStates")}</option>
          {STATES.map((code) => (
            <option key={code} value={code}>
              {stateName(t, code)}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

function dimensionCell(i18n: I18n, dim: Dimension, row: ReportRowData): string {
  switch (dim) {
    case "ORG":
      return stateName(i18n.t, row.org);
    case "MUNICIPALITY":
      return row.municipality || "—";
    case "COURSE":
      return row.courseTitle || row.courseId || "—";
    case "MONTH":
      return monthName(i18n.t, row.month);
  }
}

function ReportTable({ data, groupBy, id, courseId, busy }: { data: NationalReportData["table"]; groupBy: Dimension[]; id: string; courseId: string | null; busy: boolean }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const dims = DIMENSIONS.filter((d) => groupBy.includes(d));
  const metrics = (r: ReportRowData) => [r.enrolled, r.completed, r.certificates, r.learners];
  return (
    // Long reports scroll inside their box: keyboard users reach it with Tab and scroll with the arrows.
    <div class="table-scroll" tabIndex={0} role="region" aria-label={t("reports.tableTitle")}>
      <table class="table report-table" id={id} data-course={courseId ?? "all"} aria-busy={busy ? "true" : "false"}>
        <caption>{t("reports.tableCaption", { count: data.rows.length })}</caption>
        <thead>
          <tr>
            {dims.map((d) => (
              <th key={d} scope="col">
                {t(`reports.dim.${d}` as MessageKey)}
              </th>
            ))}
            <th scope="col" class="num">{t("reports.enrolled")}</th>
            <th scope="col" class="num">{t("reports.completed")}</th>
            <th scope="col" class="num">{t("reports.certificates")}</th>
            <th scope="col" class="num">{t("reports.learners")}</th>
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r, i) => (
            <tr key={i}>
              {dims.map((d, j) =>
                j === 0 ? (
                  <th key={d} scope="row">
                    {dimensionCell(i18n, d, r)}
                  </th>
                ) : (
                  <td key={d}>{dimensionCell(i18n, d, r)}</td>
                ),
              )}
              {metrics(r).map((n, k) => (
                <td key={k} class="num">
                  {number(n)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={Math.max(1, dims.length)}>
              {t("reports.total")}
            </th>
            {metrics(data.totals).map((n, k) => (
              <td key={k} class="num">
                {number(n)}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** A chart's text alternative: the same numbers as a small table, which the canvas points at. */
function ChartTable(props: { id: string; caption: string; head: string; labels: string[]; columns: { label: string; values: number[] }[] }) {
  const { number } = useI18n();
  return (
    <div class="table-scroll chart-table" tabIndex={0} role="region" aria-label={props.caption}>
      <table class="table" id={props.id}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.head}</th>
            {props.columns.map((c) => (
              <th key={c.label} scope="col" class="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.labels.map((label, i) => (
            <tr key={label + i}>
              <th scope="row">{label}</th>
              {props.columns.map((c) => (
                <td key={c.label} class="num">
                  {number(c.values[i])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Charts({ data, showState }: { data: NationalReportData; showState: boolean }) {
  const { t } = useI18n();
  const monthTable = useId();
  const placeTable = useId();
  const months = [...data.byMonth.rows].filter((r) => r.month).sort((a, b) => (a.month! < b.month! ? -1 : 1));
  const monthLabels = months.map((r) => monthName(t, r.month));
  const places = [...data.byMunicipality.rows].sort((a, b) => b.completed - a.completed || b.enrolled - a.enrolled);
  const placeLabels = places.map((r) => {
    const name = r.municipality || "—";
    return showState && r.org ? `${name} (${stateName(t, r.org)})` : name;
  });
  const completed = t("reports.completed");
  const enrolled = t("reports.enrolled");
  return (
    <div class="chart-grid report-charts">
      <BarChartFigure
        title={t("reports.chartMonth")}
        labels={monthLabels}
        series={[{ label: completed, values: months.map((r) => r.completed), tone: "accent" }]}
        tableId={monthTable}
      >
        <ChartTable
          id={monthTable}
          caption={t("reports.chartMonthTable")}
          head={t("reports.dim.MONTH")}
          labels={monthLabels}
          columns={[{ label: completed, values: months.map((r) => r.completed) }]}
        />
      </BarChartFigure>
      <BarChartFigure
        title={t("reports.chartMunicipality")}
        labels={placeLabels}
        series={[
          { label: completed, values: places.map((r) => r.completed), tone: "accent" },
          { label: enrolled, values: places.map((r) => r.enrolled), tone: "primary" },
        ]}
        tableId={placeTable}
        horizontal
      >
        <ChartTable
          id={placeTable}
          caption={t("reports.chartMunicipalityTable")}
          head={t("reports.dim.MUNICIPALITY")}
          labels={placeLabels}
          columns={[
            { label: completed, values: places.map((r) => r.completed) },
            { label: enrolled, values: places.map((r) => r.enrolled) },
          ]}
        />
      </BarChartFigure>
    </div>
  );
}

/**
 * The period as the contract's DateTime bounds. The report counts by calendar month (UTC), so the
 * inputs pick months: "2026-03" to "2026-05" is March, April and May.
 */
function period(from: string, to: string): { from: string | null; to: string | null } {
  const start = (ym: string) => (/^\d{4}-\d{2}$/.test(ym) ? `${ym}-01T00:00:00Z` : null);
  return { from: start(from), to: start(to) };
}

export function ReportsPage() {
  const { t, number } = useI18n();
  const { fixedOrg, countryAdmin } = useStateScope();
  const [groupBy, setGroupBy] = useState<Dimension[]>(countryAdmin ? ["MUNICIPALITY"] : ["ORG", "MUNICIPALITY"]);
  const [org, setOrg] = useState("");
  const [courseId, setCourseId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  // `courseId` is the filter the data shown was fetched with: a new answer replaces the old one only
  // when it arrives, and the table says which course its rows are for (data-course).
  const [state, setState] = useState<{ data: NationalReportData | null; error: unknown; loading: boolean; courseId: string | null }>({
    data: null,
    error: null,
    loading: false,
    courseId: null,
  });
  const [csvBusy, setCsvBusy] = useState(false);
  const [csvError, setCsvError] = useState<unknown>(null);
  const tableId = useId();
  const noteId = useId();
  const badPeriod = !!from && !!to && from > to;
  const dims = DIMENSIONS.filter((d) => groupBy.includes(d));
  const variables: ReportVariables = {
    groupBy: dims,
    org: fixedOrg ?? (org || null),
    courseId: courseId || null,
    ...period(from, to),
  };
  const key = JSON.stringify(variables);
  const ready = dims.length > 0 && !badPeriod;
  useEffect(() => {
    if (!ready) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    const asked = variables.courseId ?? null;
    gql(NATIONAL_REPORT, variables).then(
      (data) => live && setState({ data, error: null, loading: false, courseId: asked }),
      (error) => live && setState({ data: null, error, loading: false, courseId: asked }),
    );
    return () => {
      live = false;
    };
  }, [key, ready]);

  function toggle(dim: Dimension, on: boolean) {
    setGroupBy((g) => (on ? [...g.filter((d) => d !== dim), dim] : g.filter((d) => d !== dim)));
  }

  async function downloadCsv() {
    if (csvBusy) return;
    setCsvBusy(true);
    setCsvError(null);
    try {
      const { report } = await gql(NATIONAL_REPORT_CSV, variables);
      openStorageUrl(report.csvUrl, `kentbilim-report-${fixedOrg ?? (org || "all")}.csv`);
    } catch (e) {
      setCsvError(e);
    } finally {
      setCsvBusy(false);
    }
  }

  return (
    <section class="report-page">
      <PageTitle>{t("reports.title")}</PageTitle>
      <p class="lead">{countryAdmin && fixedOrg ? t("reports.introState", { state: stateName(t, fixedOrg) }) : t("reports.intro")}</p>
      <form class="filters report-filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="field">
          <legend>{t("reports.groupBy")}</legend>
          <div class="checkbox-row">
            {DIMENSIONS.map((d) => (
              <label key={d} class="checkbox">
                <input type="checkbox" checked={groupBy.includes(d)} onChange={(e) => toggle(d, e.currentTarget.checked)} />{" "}
                {t(`reports.dim.${d}` as MessageKey)}
              </label>
            ))}
          </div>
        </fieldset>
        <StateSelect id="report-state" value={org} onChange={setOrg} fixedOrg={fixedOrg} />
        <CourseSelect id="report-course" value={courseId} onChange={setCourseId} allowAll status={null} />
        <div class="field">
          <label for="report-from">{t("reports.from")}</label>
          <input id="report-from" type="month" value={from} max={to || undefined} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="report-to">{t("reports.to")}</label>
          <input id="report-to" type="month" value={to} min={from || undefined} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field field-button">
          <button type="button" class="button button-secondary" onClick={downloadCsv} disabled={!ready || csvBusy} aria-busy={csvBusy}>
            ↓ {t("reports.download")}
          </button>
        </div>
      </form>
      {dims.length === 0 ? (
        <div class="alert alert-warn" role="alert">
          {t("reports.chooseDimension")}
        </div>
      ) : null}
      {badPeriod ? (
        <div class="alert alert-warn" role="alert">
          {t("reports.badPeriod")}
        </div>
      ) : null}
      <ErrorMessage error={csvError} />
      <ErrorMessage error={state.error} />
      {ready && state.loading && !state.data ? <Loading /> : null}
      {ready && state.data ? (
        <div aria-busy={state.loading}>
          <dl class="stat-tiles">
            <div>
              <dt>{t("reports.enrolled")}</dt>
              <dd>{number(state.data.table.totals.enrolled)}</dd>
            </div>
            <div>
              <dt>{t("reports.completed")}</dt>
              <dd>{number(state.data.table.totals.completed)}</dd>
            </div>
            <div>
              <dt>{t("reports.certificates")}</dt>
              <dd aria-describedby={noteId}>{number(state.data.table.totals.certificates)}</dd>
            </div>
            <div>
              <dt>{t("reports.learners")}</dt>
              <dd>{number(state.data.table.totals.learners)}</dd>
            </div>
          </dl>
          <p id={noteId} class="muted report-note">
            {t("reports.countsNote")}
          </p>
          <Charts data={state.data} showState={!fixedOrg && !org} />
          <h2>{t("reports.tableTitle")}</h2>
          <ReportTable data={state.data.table} groupBy={dims} id={tableId} courseId={state.courseId} busy={state.loading} />
        </div>
      ) : null}
    </section>
  );
}
