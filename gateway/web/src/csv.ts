// Recipients for bulk issuance, read from a CSV in the browser so bad rows are shown before anything is sent.
import Papa from "papaparse";
import type { MessageKey } from "./i18n";

export interface RecipientRow {
  line: number;
  name: string;
  email: string;
  org: string;
  municipality: string;
  learnerId: string;
  problems: { key: MessageKey; params?: Record<string, string | number> }[];
}

export const MAX_ROWS = 20000;

// Header names are matched in ASCII lower case, never with locale rules (the Turkish dotless-i trap).
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const HEADERS: Record<string, keyof Omit<RecipientRow, "line" | "problems">> = {
  name: "name",
  "full name": "name",
  fullname: "name",
  learnername: "name",
  email: "email",
  "e-mail": "email",
  mail: "email",
  org: "org",
  country: "org",
  municipality: "municipality",
  city: "municipality",
  learnerid: "learnerId",
  learner_id: "learnerId",
  "learner id": "learnerId",
  sub: "learnerId",
};
const DEFAULT_COLUMNS: (keyof Omit<RecipientRow, "line" | "problems">)[] = ["name", "email", "org", "municipality", "learnerId"];
// Deliberately loose: one @, something on each side, a dot in the domain. The server has the last word.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface ParsedCsv {
  rows: RecipientRow[];
  tooMany: boolean;
}

export function parseRecipients(text: string): ParsedCsv {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: "greedy" });
  const records = parsed.data.filter((r) => r.some((cell) => cell.trim()));
  if (!records.length) return { rows: [], tooMany: false };
  const mapped = records[0].map((h) => HEADERS[asciiLower(h.trim())]);
  const hasHeader = mapped.some(Boolean);
  const columns = hasHeader ? mapped : DEFAULT_COLUMNS;
  const body = hasHeader ? records.slice(1) : records;
  const firstLine = hasHeader ? 2 : 1;
  const seen = new Map<string, number>();
  const rows = body.slice(0, MAX_ROWS).map((record, i) => {
    const row: RecipientRow = { line: firstLine + i, name: "", email: "", org: "", municipality: "", learnerId: "", problems: [] };
    record.forEach((cell, c) => {
      const field = columns[c];
      if (field) row[field] = cell.trim();
    });
    if (!row.name) row.problems.push({ key: "csv.problem.noName" });
    if (row.email && !EMAIL.test(row.email)) row.problems.push({ key: "csv.problem.badEmail" });
    if (row.org && !/^[A-Za-z]{2}$/.test(row.org)) row.problems.push({ key: "csv.problem.badOrg" });
    row.org = row.org.toUpperCase();
    const identity = row.learnerId
      ? `id:${row.learnerId}`
      : row.email
        ? `email:${asciiLower(row.email)}`
        : `name:${row.name.normalize("NFC")}`;
    const earlier = seen.get(identity);
    if (earlier !== undefined) row.problems.push({ key: "csv.problem.duplicate", params: { line: earlier } });
    else seen.set(identity, row.line);
    return row;
  });
  return { rows, tooMany: body.length > MAX_ROWS };
}

export function toRecipientInput(row: RecipientRow) {
  return {
    name: row.name,
    email: row.email || null,
    org: row.org || null,
    municipality: row.municipality || null,
    learnerId: row.learnerId || null,
  };
}

/** A CSV document from rows, quoted so names with commas and quotes survive a spreadsheet. */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return Papa.unparse({ fields: header, data: rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v)))) });
}

export function downloadText(filename: string, text: string, type = "text/csv;charset=utf-8"): void {
  // A BOM makes spreadsheet programs read the file as UTF-8 (Cyrillic and ə survive).
  const blob = new Blob(["\uFEFF", text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
