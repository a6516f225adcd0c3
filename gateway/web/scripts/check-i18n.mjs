// Fails the build when a message is missing in any catalogue, when placeholders differ from English,
// when a plural message lacks a form its language's plural rules need (or has one they never pick),
// or when the source uses a key that English lacks. tests/web/test_i18n_catalogues.py runs the same checks
// under pytest.
//
// Plural messages are stored the i18next way: `key_one`, `key_few`, `key_many`, `key_other`…, one entry
// per category of Intl.PluralRules for the language (Node ships the full ICU data).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "src", "i18n");
const LANGS = ["en", "tr", "az", "kk", "ky", "uz", "ru"];
const SUFFIX = /^(.+)_(zero|one|two|few|many|other)$/;
const catalogues = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(dir, `${l}.json`), "utf8"))]));
const placeholders = (s) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort().join(",");

/** {base -> {category -> text}} for plural messages, {key -> text} for the others. */
function messages(cat) {
  const plural = {};
  const plain = {};
  for (const [key, text] of Object.entries(cat)) {
    const m = SUFFIX.exec(key);
    if (m) (plural[m[1]] ??= {})[m[2]] = text;
    else plain[key] = text;
  }
  return { plural, plain };
}

const problems = [];
const en = messages(catalogues.en);
for (const lang of LANGS) {
  const { plural, plain } = messages(catalogues[lang]);
  const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.slice().sort();
  for (const [key, english] of Object.entries(en.plain)) {
    if (lang === "en") break;
    if (!(key in plain)) problems.push(`${lang}: missing "${key}"${key in plural ? " (it has plural forms, English has none)" : ""}`);
    else if (!plain[key].trim()) problems.push(`${lang}: empty "${key}"`);
    else if (placeholders(plain[key]) !== placeholders(english))
      problems.push(`${lang}: "${key}" has placeholders {${placeholders(plain[key])}}, English has {${placeholders(english)}}`);
  }
  for (const [base, englishForms] of Object.entries(en.plural)) {
    const forms = plural[base];
    if (!forms) {
      problems.push(`${lang}: missing plural "${base}" (needs ${categories.map((c) => `${base}_${c}`).join(", ")})`);
      continue;
    }
    const expected = placeholders(englishForms.other ?? Object.values(englishForms)[0]);
    for (const c of categories) {
      if (!(c in forms)) problems.push(`${lang}: "${base}" lacks the "${c}" form (${lang} plural rules: ${categories.join(", ")})`);
      else if (!forms[c].trim()) problems.push(`${lang}: empty "${base}_${c}"`);
      else if (placeholders(forms[c]) !== expected)
        problems.push(`${lang}: "${base}_${c}" has placeholders {${placeholders(forms[c])}}, English has {${expected}}`);
    }
    for (const c of Object.keys(forms))
      if (!categories.includes(c)) problems.push(`${lang}: "${base}_${c}": ${lang} has no "${c}" plural form`);
    if (lang === "en" && !expected.split(",").includes("count"))
      problems.push(`en: plural "${base}" must use {count}, the number that picks the form`);
  }
  if (lang === "en") continue;
  for (const key of Object.keys(plain)) if (!(key in en.plain)) problems.push(`${lang}: "${key}" is not in en.json`);
  for (const base of Object.keys(plural)) if (!(base in en.plural)) problems.push(`${lang}: plural "${base}" is not in en.json`);
}

function* sources(path) {
  for (const name of readdirSync(path)) {
    const full = join(path, name);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (/\.tsx?$/.test(name)) yield full;
  }
}
for (const file of sources(join(root, "src"))) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/\bt\(\s*"([a-zA-Z]+\.[\w.-]+)"/g)) {
    if (!(m[1] in en.plain) && !(m[1] in en.plural)) problems.push(`${file.slice(root.length)}: uses "${m[1]}", missing in en.json`);
  }
}
if (problems.length) {
  console.error(`Message catalogues are incomplete (${problems.length} problem(s)):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
const count = Object.keys(en.plain).length + Object.keys(en.plural).length;
console.log(`i18n: ${count} messages (${Object.keys(en.plural).length} with plural forms) complete in ${LANGS.join(", ")}`);
