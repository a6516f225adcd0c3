// Bar charts drawn with Chart.js on a canvas. A canvas is only pixels to a screen reader, so each chart
// is a figure whose canvas is an image named by the figure's caption and described by a data table
// (its text alternative) that the caller renders next to it and points at with `tableId`.
// Chart.js styles the canvas through the CSSOM (element.style), which the page's style-src 'self'
// policy allows; it injects no <style> element and no inline script.
import type { Chart, ChartConfiguration } from "chart.js";
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { useI18n } from "../i18n";
import { intlLocale } from "../format";

let library: Promise<typeof import("./chartjs")> | null = null;
function loadChartJs() {
  library ??= import("./chartjs");
  library.catch(() => (library = null)); // offline: try again next time
  return library;
}

export interface Series {
  label: string;
  values: number[];
  tone: "primary" | "accent";
}

// The colours of styles.css (--blue, --green): at least 4.5:1 against the white card.
const COLOURS: Record<Series["tone"], string> = { primary: "#0b5cab", accent: "#17703c" };
const INK = "#1b2430";
const GRID = "#d5dce5";

export function BarChartFigure(props: {
  title: string;
  labels: string[];
  series: Series[];
  tableId: string;
  horizontal?: boolean;
  children?: ComponentChildren;
}) {
  const { lang, t, number } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);
  const captionId = useId();
  const horizontal = !!props.horizontal;
  useEffect(() => {
    const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
    // Ticks and tooltips use the page's number format (i18n.number), not Chart.js's own Intl call,
    // which would print "1,000" in Azerbaijani in a browser without full ICU data.
    const valueAxis = {
      beginAtZero: true,
      ticks: { precision: 0, color: INK, callback: (v: string | number) => number(Number(v)) },
      grid: { color: GRID },
    };
    const labelAxis = { ticks: { color: INK, autoSkip: !horizontal }, grid: { display: false } };
    const config: ChartConfiguration<"bar"> = {
      type: "bar",
      data: {
        labels: props.labels,
        datasets: props.series.map((s) => ({ label: s.label, data: s.values, backgroundColor: COLOURS[s.tone], borderRadius: 2 })),
      },
      options: {
        locale: intlLocale(lang),
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        font: { size: 13 },
        color: INK,
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { labels: { color: INK } },
          tooltip: {
            callbacks: { label: (item) => `${item.dataset.label ?? ""}: ${number((horizontal ? item.parsed.x : item.parsed.y) ?? 0)}` },
          },
        },
      },
    };
    let live = true;
    void loadChartJs().then(({ Chart }) => {
      if (!live || !canvas.current) return;
      chart.current?.destroy();
      chart.current = new Chart(canvas.current, config);
    });
    return () => {
      live = false;
      chart.current?.destroy();
      chart.current = null;
    };
  }, [lang, horizontal, JSON.stringify(props.labels), JSON.stringify(props.series)]);
  // Horizontal bars need room for every label: the box grows with the number of rows.
  const height = horizontal ? Math.max(160, 64 + props.labels.length * 30) : 280;
  return (
    <figure class="chart chart-canvas" aria-labelledby={captionId}>
      <figcaption id={captionId} class="chart-title">
        {props.title}
      </figcaption>
      {props.labels.length ? (
        <div class="chart-box" style={{ height: `${height}px` }}>
          <canvas ref={canvas} role="img" aria-label={props.title} aria-describedby={props.tableId}>
            {t("reports.chartFallback")}
          </canvas>
        </div>
      ) : (
        <p class="muted">{t("common.noData")}</p>
      )}
      {props.children}
    </figure>
  );
}
