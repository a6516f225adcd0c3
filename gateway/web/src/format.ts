// Small display helpers shared by pages: sizes in the page language, Markdown as plain text.
import { marked } from "marked";
import { getLang, type Lang } from "./i18n";
import { sanitizeLessonHtml } from "./sanitize";

// The same Intl locales as src/i18n.ts uses for numbers and dates.
const NUMBER_LOCALE: Record<Lang, string> = {
  en: "en-GB",
  tr: "tr-TR",
  az: "az-Latn-AZ",
  kk: "kk-KZ",
  ky: "ky-KG",
  uz: "uz-Latn-UZ",
  ru: "ru-RU",
};

/** The Intl locale for the page language (numbers in charts, for example). */
export function intlLocale(lang: Lang = getLang()): string {
  return NUMBER_LOCALE[lang];
}

/**
 * A file size such as "58,6 KB": the number in the language's format, joined to its unit by a no-break
 * space (U+00A0) so that a narrow line never separates them.
 */
export function formatSize(bytes: number, lang: Lang = getLang()): string {
  const locale = NUMBER_LOCALE[lang];
  if (bytes < 1024) return `${new Intl.NumberFormat(locale).format(bytes)}\u00a0B`;
  const oneDecimal = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  if (bytes < 1024 * 1024) return `${oneDecimal.format(bytes / 1024)}\u00a0KB`;
  return `${oneDecimal.format(bytes / 1024 / 1024)}\u00a0MB`;
}

/**
 * Markdown written by trainers as plain text, for places that show a line rather than a lesson
 * (catalogue cards): rendered and sanitized exactly as a lesson is, then only its text is kept.
 */
export function markdownToText(source: string): string {
  const html = sanitizeLessonHtml(marked.parse(source, { async: false, gfm: true }) as string);
  // An inert document: nothing in it loads or runs.
  const doc = new DOMParser().parseFromString(html, "text/html");
  return (doc.body.textContent ?? "").replace(/\s+/g, " ").trim();
}
