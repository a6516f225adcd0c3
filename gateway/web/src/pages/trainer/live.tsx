// Issue 15 in the course editor: a LIVE lesson's session (times in the session's own zone), a SURVEY
// lesson's questions, and the course's registration policy and certificate kind.
import { useI18n, type Lang, type MessageKey } from "../../i18n";
import { CATALOGUE_STATES } from "../../country";
import { MoveButtons, SideBySide, type Texts, moveItem, toInput } from "./shared";

// --- time zones ---------------------------------------------------------------------------------

const MEMBER_ZONES = ["Asia/Baku", "Asia/Almaty", "Asia/Bishkek", "Asia/Tashkent", "Europe/Istanbul", "Europe/Budapest", "Asia/Ashgabat", "UTC"];

/** Every IANA zone the browser knows, the member states' first. */
export function timeZones(): string[] {
  const all: string[] = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  return [...MEMBER_ZONES, ...all.filter((z) => !MEMBER_ZONES.includes(z))];
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** How far ``zone``'s wall clock is ahead of UTC at the instant ``utcMs``. */
function offsetMs(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second")) - utcMs;
}

/** "2026-05-14T09:00" on ``zone``'s clock -> the UTC instant, as ISO 8601 with Z. */
export function zonedToUtc(local: string, zone: string): string {
  const [date, time = "00:00"] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  let utc = naive - offsetMs(naive, zone);
  utc = naive - offsetMs(utc, zone); // a second pass settles instants next to a DST change
  return new Date(utc).toISOString();
}

/** An instant -> "2026-05-14T09:00" on ``zone``'s clock (for datetime-local inputs). */
export function utcToZoned(iso: string, zone: string): string {
  const ms = Date.parse(iso);
  return new Date(ms + offsetMs(ms, zone)).toISOString().slice(0, 16);
}

const textsOf = (items: { lang: string; text: string }[] | undefined | null): Texts => Object.fromEntries((items ?? []).map((x) => [x.lang, x.text]));

// --- live sessions ------------------------------------------------------------------------------

export interface LiveDraft {
  starts: string;
  ends: string;
  zone: string;
  venues: Texts;
  onlineUrl: string;
  capacity: string;
}

export interface LiveLike {
  startsAt: string;
  endsAt: string;
  timezone: string;
  venues: { lang: string; text: string }[];
  editorOnlineUrl?: string | null;
  capacity?: number | null;
}

export function liveDraftOf(live: LiveLike | null | undefined): LiveDraft {
  if (!live) return { starts: "", ends: "", zone: browserZone(), venues: {}, onlineUrl: "", capacity: "" };
  return {
    starts: utcToZoned(live.startsAt, live.timezone),
    ends: utcToZoned(live.endsAt, live.timezone),
    zone: live.timezone,
    venues: textsOf(live.venues),
    onlineUrl: live.editorOnlineUrl ?? "",
    capacity: live.capacity ? String(live.capacity) : "",
  };
}

export function liveProblem(d: LiveDraft): MessageKey | null {
  if (!d.starts || !d.ends) return "live.needTimes";
  if (zonedToUtc(d.ends, d.zone) <= zonedToUtc(d.starts, d.zone)) return "live.endBeforeStart";
  if (d.onlineUrl.trim() && !d.onlineUrl.trim().startsWith("https://")) return "live.httpsOnly";
  return null;
}

export function liveInput(d: LiveDraft, languages: Lang[]) {
  return {
    startsAt: zonedToUtc(d.starts, d.zone),
    endsAt: zonedToUtc(d.ends, d.zone),
    timezone: d.zone,
    venues: toInput(d.venues, languages),
    onlineUrl: d.onlineUrl.trim() || null,
    capacity: d.capacity ? Number(d.capacity) : null,
  };
}

export function LiveSessionFields(props: { id: string; languages: Lang[]; value: LiveDraft; onChange: (d: LiveDraft) => void }) {
  const { t } = useI18n();
  const d = props.value;
  const set = (patch: Partial<LiveDraft>) => props.onChange({ ...d, ...patch });
  return (
    <fieldset class="live-editor">
      <legend>{t("live.session")}</legend>
      <div class="form-grid">
        <div class="field">
          <label for={`${props.id}-zone`}>{t("live.timezone")}</label>
          <select id={`${props.id}-zone`} value={d.zone} onChange={(e) => set({ zone: e.currentTarget.value })}>
            {timeZones().map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={`${props.id}-starts`}>{t("live.starts", { zone: d.zone })}</label>
          <input id={`${props.id}-starts`} type="datetime-local" required value={d.starts} onInput={(e) => set({ starts: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={`${props.id}-ends`}>{t("live.ends", { zone: d.zone })}</label>
          <input id={`${props.id}-ends`} type="datetime-local" required value={d.ends} onInput={(e) => set({ ends: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={`${props.id}-capacity`}>{t("live.capacity")}</label>
          <input id={`${props.id}-capacity`} type="number" min={1} value={d.capacity} placeholder={t("live.unlimited")} onInput={(e) => set({ capacity: e.currentTarget.value })} />
        </div>
      </div>
      <SideBySide id={`${props.id}-venue`} label={t("live.venue")} languages={props.languages} values={d.venues} onChange={(venues) => set({ venues })} />
      <div class="field">
        <label for={`${props.id}-url`}>{t("live.onlineUrl")}</label>
        <input id={`${props.id}-url`} type="url" inputMode="url" maxLength={2000} placeholder="https://" value={d.onlineUrl} onInput={(e) => set({ onlineUrl: e.currentTarget.value })} />
        <p class="muted">{t("live.onlineUrlHelp")}</p>
      </div>
    </fieldset>
  );
}

// --- surveys ------------------------------------------------------------------------------------

type SurveyKind = "RATING" | "TEXT" | "SINGLE_CHOICE";
interface DraftChoice {
  key: number;
  id?: string;
  labels: Texts;
}
interface DraftSurveyQuestion {
  key: number;
  id?: string;
  kind: SurveyKind;
  prompts: Texts;
  scale: string;
  options: DraftChoice[];
}
export interface SurveyDraft {
  anonymous: boolean;
  questions: DraftSurveyQuestion[];
}

export interface SurveyLike {
  anonymous: boolean;
  questions: {
    id: string;
    kind: SurveyKind;
    prompts: { lang: string; text: string }[];
    scale?: number | null;
    options?: { id: string; labels: { lang: string; text: string }[] }[] | null;
  }[];
}

let key = 0;
const newChoice = (): DraftChoice => ({ key: ++key, labels: {} });
const newSurveyQuestion = (kind: SurveyKind = "RATING"): DraftSurveyQuestion => ({ key: ++key, kind, prompts: {}, scale: "5", options: [newChoice(), newChoice()] });

export function surveyDraftOf(survey: SurveyLike | null | undefined): SurveyDraft {
  if (!survey) return { anonymous: true, questions: [newSurveyQuestion()] };
  return {
    anonymous: survey.anonymous,
    questions: survey.questions.map((q) => ({
      key: ++key,
      id: q.id,
      kind: q.kind,
      prompts: textsOf(q.prompts),
      scale: q.scale ? String(q.scale) : "5",
      options: q.options?.length ? q.options.map((o) => ({ key: ++key, id: o.id, labels: textsOf(o.labels) })) : [newChoice(), newChoice()],
    })),
  };
}

export function surveyProblem(d: SurveyDraft, languages: Lang[], t: (k: MessageKey, p?: Record<string, string | number>) => string): string | null {
  if (!d.questions.length) return t("survey.needQuestion");
  for (const [i, q] of d.questions.entries()) {
    if (!toInput(q.prompts, languages).length) return t("quiz.needPrompt", { n: i + 1 });
    if (q.kind === "SINGLE_CHOICE" && q.options.some((o) => !toInput(o.labels, languages).length)) return t("quiz.needLabels", { n: i + 1 });
  }
  return null;
}

export function surveyInput(d: SurveyDraft, languages: Lang[]) {
  return {
    anonymous: d.anonymous,
    questions: d.questions.map((q) => ({
      ...(q.id ? { id: q.id } : {}),
      kind: q.kind,
      prompts: toInput(q.prompts, languages),
      ...(q.kind === "RATING" ? { scale: Number(q.scale) || 5 } : {}),
      ...(q.kind === "SINGLE_CHOICE"
        ? { options: q.options.map((o) => ({ ...(o.id ? { id: o.id } : {}), labels: toInput(o.labels, languages), correct: false })) }
        : {}),
    })),
  };
}

export function SurveyFields(props: { id: string; languages: Lang[]; value: SurveyDraft; onChange: (d: SurveyDraft) => void }) {
  const { t } = useI18n();
  const d = props.value;
  const setQuestions = (questions: DraftSurveyQuestion[]) => props.onChange({ ...d, questions });
  const update = (i: number, q: DraftSurveyQuestion) => setQuestions(d.questions.map((x, j) => (j === i ? q : x)));
  return (
    <fieldset class="quiz-editor survey-editor">
      <legend>{t("survey.editor")}</legend>
      <label class="option">
        <input type="checkbox" checked={d.anonymous} onChange={(e) => props.onChange({ ...d, anonymous: e.currentTarget.checked })} />
        <span>{t("survey.anonymous")}</span>
      </label>
      {d.questions.map((q, i) => (
        <div key={q.key} class="question-editor" data-testid="survey-question">
          <div class="module-head">
            <h5>{t("quiz.question", { n: i + 1 })}</h5>
            <span>
              <MoveButtons label={t("quiz.question", { n: i + 1 })} first={i === 0} last={i === d.questions.length - 1} onMove={(dir) => setQuestions(moveItem(d.questions, i, dir))} />
              <button type="button" class="icon-button" disabled={d.questions.length === 1} onClick={() => setQuestions(d.questions.filter((_, j) => j !== i))} aria-label={t("quiz.removeQuestion", { n: i + 1 })}>
                ✕
              </button>
            </span>
          </div>
          <div class="form-grid">
            <div class="field">
              <label for={`${props.id}-kind-${q.key}`}>{t("survey.kind")}</label>
              <select id={`${props.id}-kind-${q.key}`} value={q.kind} onChange={(e) => update(i, { ...q, kind: e.currentTarget.value as SurveyKind })}>
                {(["RATING", "TEXT", "SINGLE_CHOICE"] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`survey.kind.${k}` as MessageKey)}
                  </option>
                ))}
              </select>
            </div>
            {q.kind === "RATING" ? (
              <div class="field">
                <label for={`${props.id}-scale-${q.key}`}>{t("survey.scale")}</label>
                <input id={`${props.id}-scale-${q.key}`} type="number" min={2} max={10} value={q.scale} onInput={(e) => update(i, { ...q, scale: e.currentTarget.value })} />
              </div>
            ) : null}
          </div>
          <SideBySide id={`${props.id}-q${q.key}`} label={t("quiz.prompt")} languages={props.languages} values={q.prompts} onChange={(p) => update(i, { ...q, prompts: p })} />
          {q.kind === "SINGLE_CHOICE" ? (
            <>
              {q.options.map((o, k) => (
                <div key={o.key} class="option-editor">
                  <SideBySide
                    id={`${props.id}-o${o.key}`}
                    label={t("quiz.option", { n: k + 1 })}
                    languages={props.languages}
                    values={o.labels}
                    onChange={(labels) => update(i, { ...q, options: q.options.map((x) => (x.key === o.key ? { ...o, labels } : x)) })}
                  />
                  <div class="option-controls">
                    <button type="button" class="icon-button" disabled={q.options.length <= 2} onClick={() => update(i, { ...q, options: q.options.filter((x) => x.key !== o.key) })} aria-label={t("quiz.removeOption", { n: k + 1 })}>
                      ✕
                    </button>
                  </div>
                </div>
              ))}
              <button type="button" class="button button-secondary" onClick={() => update(i, { ...q, options: [...q.options, newChoice()] })}>
                + {t("quiz.addOption")}
              </button>
            </>
          ) : null}
        </div>
      ))}
      <button type="button" class="button button-secondary" onClick={() => setQuestions([...d.questions, newSurveyQuestion("TEXT")])}>
        + {t("quiz.addQuestion")}
      </button>
    </fieldset>
  );
}

// --- registration policy and certificate kind ---------------------------------------------------

export interface RegistrationDraft {
  capacity: string;
  approvalRequired: boolean;
  waitlist: boolean;
  closesAt: string;
  quotas: { key: number; org: string; seats: string }[];
  certificateKind: "COMPLETION" | "PARTICIPATION";
}

export interface RegistrationLike {
  capacity?: number | null;
  approvalRequired: boolean;
  waitlist: boolean;
  closesAt?: string | null;
  quotas: { org: string; seats: number }[];
}

export function registrationDraftOf(r: RegistrationLike, kind: string): RegistrationDraft {
  return {
    capacity: r.capacity ? String(r.capacity) : "",
    approvalRequired: r.approvalRequired,
    waitlist: r.waitlist,
    closesAt: r.closesAt ? utcToZoned(r.closesAt, browserZone()) : "",
    quotas: r.quotas.map((q) => ({ key: ++key, org: q.org, seats: String(q.seats) })),
    certificateKind: kind === "PARTICIPATION" ? "PARTICIPATION" : "COMPLETION",
  };
}

export function registrationInput(d: RegistrationDraft) {
  return {
    capacity: d.capacity ? Number(d.capacity) : null,
    approvalRequired: d.approvalRequired,
    waitlist: d.waitlist,
    closesAt: d.closesAt ? zonedToUtc(d.closesAt, browserZone()) : null,
    quotas: d.quotas.filter((q) => q.org && q.seats).map((q) => ({ org: q.org, seats: Number(q.seats) })),
  };
}

export function RegistrationFields(props: { value: RegistrationDraft; onChange: (d: RegistrationDraft) => void }) {
  const { t } = useI18n();
  const d = props.value;
  const set = (patch: Partial<RegistrationDraft>) => props.onChange({ ...d, ...patch });
  const quotaSum = d.quotas.reduce((n, q) => n + (Number(q.seats) || 0), 0);
  return (
    <fieldset class="registration-editor">
      <legend>{t("registration.title")}</legend>
      <div class="form-grid">
        <div class="field">
          <label for="reg-kind">{t("registration.certificateKind")}</label>
          <select id="reg-kind" value={d.certificateKind} onChange={(e) => set({ certificateKind: e.currentTarget.value as RegistrationDraft["certificateKind"] })}>
            <option value="COMPLETION">{t("registration.kind.COMPLETION")}</option>
            <option value="PARTICIPATION">{t("registration.kind.PARTICIPATION")}</option>
          </select>
        </div>
        <div class="field">
          <label for="reg-capacity">{t("registration.capacity")}</label>
          <input id="reg-capacity" type="number" min={1} value={d.capacity} placeholder={t("live.unlimited")} onInput={(e) => set({ capacity: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="reg-closes">{t("registration.closesAt", { zone: browserZone() })}</label>
          <input id="reg-closes" type="datetime-local" value={d.closesAt} onInput={(e) => set({ closesAt: e.currentTarget.value })} />
        </div>
      </div>
      <label class="option">
        <input type="checkbox" checked={d.approvalRequired} onChange={(e) => set({ approvalRequired: e.currentTarget.checked })} />
        <span>{t("registration.approvalRequired")}</span>
      </label>
      <label class="option">
        <input type="checkbox" checked={d.waitlist} onChange={(e) => set({ waitlist: e.currentTarget.checked })} />
        <span>{t("registration.waitlist")}</span>
      </label>
      <h4>{t("registration.quotas")}</h4>
      {d.quotas.map((q, i) => (
        <div key={q.key} class="form-grid quota-row">
          <div class="field">
            <label for={`quota-org-${q.key}`}>{t("registration.state", { n: i + 1 })}</label>
            <select id={`quota-org-${q.key}`} value={q.org} onChange={(e) => set({ quotas: d.quotas.map((x) => (x.key === q.key ? { ...q, org: e.currentTarget.value } : x)) })}>
              {CATALOGUE_STATES.map((code) => (
                <option key={code} value={code}>
                  {t(`country.${code}` as MessageKey)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={`quota-seats-${q.key}`}>{t("registration.seats", { n: i + 1 })}</label>
            <input id={`quota-seats-${q.key}`} type="number" min={1} value={q.seats} onInput={(e) => set({ quotas: d.quotas.map((x) => (x.key === q.key ? { ...q, seats: e.currentTarget.value } : x)) })} />
          </div>
          <button type="button" class="icon-button" onClick={() => set({ quotas: d.quotas.filter((x) => x.key !== q.key) })} aria-label={t("registration.removeQuota", { n: i + 1 })}>
            ✕
          </button>
        </div>
      ))}
      {d.capacity && quotaSum > Number(d.capacity) ? (
        <p class="error" role="alert">
          {t("registration.quotasOver", { sum: quotaSum, capacity: d.capacity })}
        </p>
      ) : null}
      <button type="button" class="button button-secondary" onClick={() => set({ quotas: [...d.quotas, { key: ++key, org: CATALOGUE_STATES[0], seats: "" }] })}>
        + {t("registration.addQuota")}
      </button>
    </fieldset>
  );
}
