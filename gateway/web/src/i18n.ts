// UI messages in the seven languages of the platform, and locale-aware formatting.
import { useEffect, useState } from "preact/hooks";
import az from "./i18n/az.json";
import en from "./i18n/en.json";
import kk from "./i18n/kk.json";
import ky from "./i18n/ky.json";
import ru from "./i18n/ru.json";
import tr from "./i18n/tr.json";
import uz from "./i18n/uz.json";

export type MessageKey = keyof typeof en;
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

const CATALOGUES: Record<Lang, Record<string, string>> = { en, tr, az, kk, ky, uz, ru };
const STORAGE_KEY = "kentbilim.lang";
const listeners = new Set<() => void>();

/** "kk-KZ" -> "kk"; ASCII folding only, never locale rules (the Turkish dotless-i trap). */
export function normalizeLang(code: string | null | undefined): Lang | null {
  if (!code) return null;
  const base = code.trim().split(/[-_]/)[0].replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
  return base in CATALOGUES ? (base as Lang) : null;
}

function initialLang(): Lang {
  const saved = normalizeLang(localStorage.getItem(STORAGE_KEY));
  if (saved) return saved;
  for (const candidate of navigator.languages ?? [navigator.language]) {
    const lang = normalizeLang(candidate);
    if (lang) return lang;
  }
  return "en";
}

let current: Lang = initialLang();
let chosenExplicitly = localStorage.getItem(STORAGE_KEY) !== null;

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang, remember = true): void {
  current = lang;
  if (remember) {
    localStorage.setItem(STORAGE_KEY, lang);
    chosenExplicitly = true;
  }
  document.documentElement.lang = lang;
  listeners.forEach((fn) => fn());
}

/** After sign-in, follow the token's locale unless the user already picked a language here. */
export function adoptProfileLocale(locale: string | undefined): void {
  const lang = normalizeLang(locale);
  if (lang && !chosenExplicitly && lang !== current) setLang(lang, false);
}

export function translate(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = CATALOGUES[lang][key] ?? CATALOGUES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
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

export function makeI18n(lang: Lang): I18n {
  const locale = INTL_LOCALE[lang];
  const t: Translate = (key, params) => translate(lang, key, params);
  const numberFmt = new Intl.NumberFormat(locale);
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
    number: (n) => numberFmt.format(n),
  };
}

export function useI18n(): I18n {
  const [lang, setLangState] = useState(current);
  useEffect(() => {
    const update = () => setLangState(current);
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return makeI18n(lang);
}

document.documentElement.lang = current;
