// Fails the build when a message key is missing in any catalogue, when placeholders differ from
// English, or when the source uses a key that no catalogue defines. tests/web/test_i18n_catalogues.py
// runs the same checks under pytest.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = join(root, "src", "i18n");
const LANGS = ["en", "tr", "az", "kk", "ky", "uz", "ru"];
const catalogues = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(dir, `${l}.json`), "utf8"))]));
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");
const problems = [];
const en = catalogues.en;
for (const lang of LANGS.slice(1)) {
  const cat = catalogues[lang];
  for (const key of Object.keys(en)) {
    if (!(key in cat)) problems.push(`${lang}: missing "${key}"`);
    else if (!cat[key].trim()) problems.push(`${lang}: empty "${key}"`);
    else if (placeholders(cat[key]) !== placeholders(en[key]))
      problems.push(`${lang}: "${key}" has placeholders {${placeholders(cat[key])}}, English has {${placeholders(en[key])}}`);
  }
  for (const key of Object.keys(cat)) if (!(key in en)) problems.push(`${lang}: "${key}" is not in en.json`);
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
    if (!(m[1] in en)) problems.push(`${file.slice(root.length)}: uses "${m[1]}", missing in en.json`);
  }
}
if (problems.length) {
  console.error(`Message catalogues are incomplete (${problems.length} problem(s)):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`i18n: ${Object.keys(en).length} keys complete in ${LANGS.join(", ")}`);
