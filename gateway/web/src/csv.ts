// CSV the browser writes (results, reports). Reading a recipient CSV is the server's job: the bulk page
// sends the file's text as it is, and the server's dry run says what each row would become.
import Papa from "papaparse";

/**
 * A CSV document from rows, quoted so names with commas and quotes survive a spreadsheet, and with
 * cells that a spreadsheet would run as a formula (=, +, -, @ …) escaped: the names come from users.
 */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return Papa.unparse(
    { fields: header, data: rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v)))) },
    { escapeFormulae: true },
  );
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
