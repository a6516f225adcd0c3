// Small building blocks shared by every page.
import { marked } from "marked";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import QRCode from "qrcode";
import { ApiError, gql, type Operation } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { sanitizeLessonHtml } from "../sanitize";
import { navigatedInApp } from "../router";

export interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Run a GraphQL query now and whenever `deps` change. */
export function useQuery<T, V>(query: Operation<T, V>, variables: V, deps: unknown[]): QueryState<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    gql(query, variables).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function errorText(t: ReturnType<typeof useI18n>["t"], error: unknown): string {
  if (error instanceof ApiError) {
    const headline = t(`error.${error.code}` as MessageKey);
    // The server's message says what to fix (in English); show it after the translated headline.
    return error.message && error.message !== headline ? `${headline} ${error.message}` : headline;
  }
  return error instanceof Error && error.message ? error.message : t("error.UNAVAILABLE");
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <div class="alert alert-error" role="alert">
      {errorText(t, error)}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="loading" role="status" aria-live="polite">
      {t("common.loading")}
    </p>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span class="progress-value">{pct} %</span>
    </div>
  );
}

/** A modal dialog: focus moves in, Tab stays inside, Escape closes, focus returns where it was. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const root = ref.current!;
    const focusables = () =>
      Array.from(
        root.querySelectorAll<HTMLElement>(
          "button:not([disabled]), [href], input:not([disabled]), select, textarea, [tabindex]:not([tabindex='-1'])",
        ),
      );
    (focusables()[0] ?? root).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        props.onClose();
      } else if (e.key === "Tab") {
        const items = focusables();
        if (!items.length) return;
        const first = items[0];
        const last = items[items.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      previous?.focus();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} tabIndex={-1}>
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

export interface Bar {
  key: string;
  values: { label: string; value: number; tone: "primary" | "accent" }[];
}

/** Horizontal grouped bars drawn in SVG, with the numbers also written out for screen readers. */
export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const { t, number } = useI18n();
  if (!bars.length) return <p class="muted">{t("common.noData")}</p>;
  const max = Math.max(1, ...bars.flatMap((b) => b.values.map((v) => v.value)));
  const rowHeight = 18 * bars[0].values.length + 14;
  const labelWidth = 120;
  const width = 560;
  const height = bars.length * rowHeight + 8;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        {bars.map((bar, i) => {
          const y = i * rowHeight + 4;
          return (
            <g key={bar.key}>
              <text x={labelWidth - 8} y={y + rowHeight / 2} text-anchor="end" dominant-baseline="middle" class="chart-label">
                {bar.key.length > 18 ? `${bar.key.slice(0, 17)}…` : bar.key}
              </text>
              {bar.values.map((v, j) => {
                const w = ((width - labelWidth - 50) * v.value) / max;
                const by = y + j * 18;
                return (
                  <g key={v.label}>
                    <rect x={labelWidth} y={by} width={Math.max(w, 1)} height={15} rx={2} class={`bar-${v.tone}`} />
                    <text x={labelWidth + w + 5} y={by + 12} class="chart-value">
                      {number(v.value)}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption class="chart-legend">
        {bars[0].values.map((v) => (
          <span key={v.label} class="legend-item">
            <span class={`legend-swatch bar-${v.tone}`} aria-hidden="true" /> {v.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** Markdown written by trainers, rendered to HTML and sanitized with the lesson allow-list (src/sanitize.ts). */
export function Markdown({ source }: { source: string }) {
  const html = sanitizeLessonHtml(marked.parse(source, { async: false, gfm: true }) as string);
  return <div class="prose" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** The verify link as a QR code (SVG, so it prints sharply). */
export function QrCode({ value, label }: { value: string; label: string }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    QRCode.toString(value, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then(setSvg, () => setSvg(""));
  }, [value]);
  return <div class="qr" role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />;
}

export function StatusBadge({ tone, children }: { tone: "ok" | "bad" | "neutral" | "warn"; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  // After an in-app navigation focus moves to the new page's heading, so screen readers announce it;
  // on the first load it stays at the top, where the skip link is the first Tab stop.
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (navigatedInApp()) ref.current?.focus({ preventScroll: true });
    document.title = `${ref.current?.textContent ?? ""} · Kentbilim`;
  }, [typeof children === "string" ? children : ""]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
