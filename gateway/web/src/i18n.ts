// UI messages in the seven languages of the platform, and locale-aware formatting.
// i18next does the lookups and the plurals: a message with forms is stored as `key_one`, `key_few`,
// `key_many`, `key_other`… (the categories of Intl.PluralRules for the language) and asked for as
// t("key", { count }). English is bundled; the other catalogues are loaded when the language is chosen.
import i18next from "i18next";
import { useEffect, useState } from "preact/hooks";
import en from "./i18n/en.json";

type PluralSuffix = "zero" | "one" | "two" | "few" | "many" | "other";
type StoredKey = keyof typeof en;
/** A message as the code asks for it: plural forms are one key. */
export type MessageKey = StoredKey extends infer K ? (K extends `${infer Base}_${PluralSuffix}` ? Base : K) : never;
export type Lang = "en" | "tr" | "az" | "kk" | "ky" | "uz" | "ru";

export const LANGUAGES: { code: Lang; name: string }[] = [
  { code: "en", name: "English" },
  { code: "tr", name: "Türkçe" },
  { code: "az", name: "Azərbaycanca" },
  { code: "kk", name: "Қазақша" },
  { code: "ky", name: "Кыргызча" },
  { code: "uz", name: "Oʻzbekcha" },
  { code: "ru", name: "Русский" },
];

const CODES = new Set<string>(LANGUAGES.map((l) => l.code));
const LOADERS = import.meta.glob<Record<string, string>>(["./i18n/*.json", "!./i18n/en.json"], { import: "default" });
const STORAGE_KEY = "kentbilim.lang";
/** The language last shown here (not a choice: a profile language wins over it), for pages after sign-out. */
const LAST_KEY = "kentbilim.lang.last";
const listeners = new Set<() => void>();

const i18n = i18next.createInstance();
void i18n.init({
  lng: "en",
  fallbackLng: "en",
  resources: { en: { translation: en } },
  initAsync: false,
  // Keys are flat ("nav.home"), placeholders are {name}, and Preact escapes what it renders.
  keySeparator: false,
  nsSeparator: false,
  interpolation: { prefix: "{", suffix: "}", escapeValue: false },
  returnEmptyString: false,
});

async function loadCatalogue(lang: Lang): Promise<void> {
  if (i18n.hasResourceBundle(lang, "translation")) return;
  const load = LOADERS[`./i18n/${lang}.json`];
  if (load) i18n.addResourceBundle(lang, "translation", await load());
}

/** "kk-KZ" -> "kk"; ASCII folding only, never locale rules (the Turkish dotless-i trap). */
export function normalizeLang(code: string | null | undefined): Lang | null {
  if (!code) return null;
  const base = code.trim().split(/[-_]/)[0].replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
  return CODES.has(base) ? (base as Lang) : null;
}

/**
 * The language of the first render: the one chosen on this computer, else the signed-in user's profile
 * language (the token's `locale` claim), else the one last shown here (the page after a sign-out stays
 * in the user's language), else the browser's. Decided once, before anything renders, so a
 * page never paints in one language and then half-switches to another.
 */
function initialLang(profileLocale?: string | null): Lang {
  const saved = normalizeLang(localStorage.getItem(STORAGE_KEY));
  if (saved) return saved;
  const profile = normalizeLang(profileLocale);
  if (profile) return profile;
  const last = normalizeLang(localStorage.getItem(LAST_KEY));
  if (last) return last;
  for (const candidate of navigator.languages ?? [navigator.language]) {
    const lang = normalizeLang(candidate);
    if (lang) return lang;
  }
  return "en";
}

let current: Lang = "en";
let requested: Lang = "en";
let chosenExplicitly = localStorage.getItem(STORAGE_KEY) !== null;
let settle: () => void = () => {};

/** Resolves once the first language's catalogue is there (render after it, or English would flash). */
export const i18nReady: Promise<void> = new Promise((resolve) => (settle = resolve));

/**
 * Start-up: pick the first language (see initialLang) and load its catalogue; i18nReady resolves after
 * it. main.tsx calls this once it knows who is signed in, and renders only then.
 */
export function settleLanguage(profileLocale?: string | null): Promise<void> {
  const wanted = initialLang(profileLocale);
  requested = wanted;
  return loadCatalogue(wanted).then(
    () => {
      if (requested === wanted) current = wanted;
      document.documentElement.lang = current;
      localStorage.setItem(LAST_KEY, current);
      settle();
    },
    () => settle(), // offline and the catalogue is not cached: English rather than nothing
  );
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang, remember = true): void {
  if (remember) {
    localStorage.setItem(STORAGE_KEY, lang);
    chosenExplicitly = true;
  }
  requested = lang;
  loadCatalogue(lang).then(
    () => {
      // Only the last choice counts when catalogues arrive out of order.
      if (requested !== lang) return;
      current = lang;
      document.documentElement.lang = lang;
      localStorage.setItem(LAST_KEY, lang);
      listeners.forEach((fn) => fn());
    },
    () => {}, // offline: stay in the language that is loaded
  );
}

/** After sign-in, follow the token's locale unless the user already picked a language here. */
export function adoptProfileLocale(locale: string | undefined): void {
  const lang = normalizeLang(locale);
  if (lang && !chosenExplicitly && lang !== current) setLang(lang, false);
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export interface I18n {
  lang: Lang;
  t: Translate;
  date: (iso: string | null | undefined) => string;
  dateTime: (iso: string | null | undefined) => string;
  number: (n: number) => string;
}

// Intl uses the UI language; "uz" alone means Latin Uzbek, which is what the catalogue is written in.
const INTL_LOCALE: Record<Lang, string> = {
  en: "en-GB",
  tr: "tr-TR",
  az: "az-Latn-AZ",
  kk: "kk-KZ",
  ky: "ky-KG",
  uz: "uz-Latn-UZ",
  ru: "ru-RU",
};

/**
 * Whether this browser's Intl has real month names for the language. Chromium ships reduced ICU data:
 * Azerbaijani, Kazakh and Uzbek come out as "2026 M11 27", and Kyrgyz falls back to English.
 */
function intlKnowsMonths(locale: string, lang: Lang): boolean {
  const fmt = new Intl.DateTimeFormat(locale, { month: "long" });
  const resolved = fmt.resolvedOptions().locale.split("-")[0];
  return resolved === lang && !/\d/.test(fmt.format(new Date(Date.UTC(2026, 10, 15))));
}

/**
 * CLDR's number symbols for the languages Chromium's reduced ICU data formats the English way
 * ("1,236.5" instead of "1.236,5" in Azerbaijani, "1 236,5" in Kazakh, Kyrgyz and Uzbek).
 */
const NUMBER_SYMBOLS: Partial<Record<Lang, { group: string; decimal: string }>> = {
  az: { group: ".", decimal: "," },
  kk: { group: "\u00a0", decimal: "," },
  ky: { group: "\u00a0", decimal: "," },
  uz: { group: "\u00a0", decimal: "," },
};

/** Numbers in the language's format, with its own symbols where this browser's Intl lacks them. */
export function numberFormatter(lang: Lang, options?: Intl.NumberFormatOptions): (n: number) => string {
  const fmt = new Intl.NumberFormat(INTL_LOCALE[lang], options);
  const symbols = NUMBER_SYMBOLS[lang];
  const parts = fmt.formatToParts(12345.5);
  const known = (type: string) => parts.find((p) => p.type === type)?.value;
  if (!symbols || (known("group") === symbols.group && known("decimal") === symbols.decimal)) return (n) => fmt.format(n);
  return (n) =>
    fmt
      .formatToParts(n)
      .map((p) => (p.type === "group" ? symbols.group : p.type === "decimal" ? symbols.decimal : p.value))
      .join("");
}

export function makeI18n(lang: Lang): I18n {
  const locale = INTL_LOCALE[lang];
  // i18next's own typing of t is for typed resources; the catalogue check guards the keys here.
  const fixed = i18n.getFixedT(lang) as unknown as (key: string, options: object) => string;
  const t: Translate = (key, params) => fixed(key, params ?? {});
  const formatNumber = numberFormatter(lang);
  const timeFmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  let longDate: (d: Date) => string;
  if (intlKnowsMonths(locale, lang)) {
    const fmt = new Intl.DateTimeFormat(locale, { dateStyle: "long" });
    longDate = (d) => fmt.format(d);
  } else {
    // The catalogue carries the month names and the order the language writes a date in.
    const months = t("date.months").split("|");
    longDate = (d) => t("date.long", { day: d.getDate(), month: months[d.getMonth()], year: d.getFullYear() });
  }
  const safe = (format: (d: Date) => string) => (iso: string | null | undefined) => {
    if (!iso) return "—";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : format(d);
  };
  return {
    lang,
    t,
    date: safe(longDate),
    dateTime: safe((d) => `${longDate(d)}, ${timeFmt.format(d)}`),
    number: formatNumber,
  };
}

export function useI18n(): I18n {
  const [lang, setLangState] = useState(current);
  useEffect(() => {
    const update = () => setLangState(current);
    listeners.add(update);
    // The language may have changed between this render and this effect: catch up, never stay behind.
    update();
    return () => void listeners.delete(update);
  }, []);
  return makeI18n(lang);
}

