// Country names in the page language from ISO 3166 alpha-2 codes (tokens' `org`, report rows, CSV rows).
// Intl.DisplayNames (type "region") names every country in the languages this browser's ICU data covers;
// Chromium ships reduced ICU data (Azerbaijani, Kazakh, Kyrgyz and Uzbek region names come back in
// English), so where it has no region names for the language the catalogue's names of the member
// states and observers are used, and any other code is shown as it is.
import { intlLocale } from "./format";
import type { Lang, Translate, MessageKey } from "./i18n";

/** The states the catalogue names (country.XX in src/i18n/*.json). */
export const CATALOGUE_STATES = ["AZ", "KZ", "KG", "TR", "UZ", "HU", "TM"] as const;
const CODE = /^[A-Z]{2}$/;
const names = new Map<Lang, Intl.DisplayNames | null>();

/** Intl's region names for the language, or null when this browser has none for it. */
function regionNames(lang: Lang): Intl.DisplayNames | null {
  if (names.has(lang)) return names.get(lang) ?? null;
  let dn: Intl.DisplayNames | null = null;
  try {
    if (typeof Intl.DisplayNames === "function") {
      const candidate = new Intl.DisplayNames([intlLocale(lang)], { type: "region", fallback: "code" });
      const resolved = candidate.resolvedOptions().locale.split("-")[0];
      // Probes: reduced data resolves "az" or "kk" and still answers in English ("Azerbaijan"), or answers
      // the code; Kyrgyz resolves to another locale. Any of these would put English or codes on the page.
      const english = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });
      const probes = ["AZ", "KZ", "DE"];
      const real = probes.some((c) => {
        const name = candidate.of(c);
        return !!name && name !== c && (lang === "en" || name !== english.of(c));
      });
      if (resolved === lang && real) dn = candidate;
    }
  } catch {
    dn = null;
  }
  names.set(lang, dn);
  return dn;
}

/** "AZ" as "Azerbaijan" / "Azərbaycan" / "Әзірбайжан"…; the code itself when nothing names it; "—" for none. */
export function countryName(t: Translate, lang: Lang, code: string | null | undefined): string {
  if (!code) return "—";
  const upper = code.trim().toUpperCase();
  if (!CODE.test(upper)) return code;
  const dn = regionNames(lang);
  if (dn) {
    try {
      const name = dn.of(upper);
      if (name && name !== upper) return name;
    } catch {
      // not a region Intl knows: try the catalogue, then the code
    }
  }
  if ((CATALOGUE_STATES as readonly string[]).includes(upper)) return t(`country.${upper}` as MessageKey);
  return code;
}
