/**
 * Rows of SQL as `sluice sql` and `sluice export --table` print them: an
 * aligned table for a person at a terminal, CSV (RFC 4180), JSON lines or
 * one JSON array for programs.
 *
 * @module
 */
import stringWidth from "string-width";
import type { SqlRows, SqlValue } from "../lib/store/sql_client.ts";

/** How rows are printed. */
export type RowFormat = "table" | "csv" | "jsonl" | "json";

/** Widest a table's cell gets, in terminal columns, before it is cut with `…`. */
const CELL_MAX = 60;

/** Options for {@linkcode csvField} and {@linkcode csvLines}. */
export interface CsvOptions {
  /**
   * Write text that a spreadsheet would run as a formula as it is, instead
   * of prefixed with `'` (`--csv-raw`).
   *
   * @default false
   */
  raw?: boolean;
}

// What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
const FORMULA_START = /^[=+\-@\t\r]/;
// A number as text ("-5", "+1.5e3"): a spreadsheet reads a number, never a formula.
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV field: quoted when it holds a comma, a quote or a line break. Text
 * that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
 * with `'`, so that a spreadsheet shows it rather than runs it as a formula
 * (OWASP's rule); numbers, and text that is only a number (`-5`), are left as
 * they are. `raw` leaves every value as it is.
 *
 * @example Usage
 * ```ts
 * import { csvField } from "./format_rows.ts";
 * import assert from "node:assert/strict";
 * assert.equal(csvField('say "hi", then go'), '"say ""hi"", then go"');
 * assert.equal(csvField(null), "");
 * assert.equal(csvField("=HYPERLINK(\"http://x.test\")"), '"\'=HYPERLINK(""http://x.test"")"');
 * assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
 * assert.equal(csvField(-5), "-5");
 * assert.equal(csvField("-5"), "-5");
 * assert.equal(csvField("-2+3"), "'-2+3");
 * assert.equal(csvField("=1+2", { raw: true }), "=1+2");
 * ```
 */
export function csvField(value: unknown, options: CsvOptions = {}): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (value instanceof ArrayBuffer) text = hex(value);
  else if (typeof value !== "string") text = String(value);
  else if (!options.raw && FORMULA_START.test(value) && !NUMBER_TEXT.test(value)) {
    text = `'${value}`;
  } else text = value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV lines of `rows`, each ending in a line break; with `header`, the
 * column names first. Fields as {@linkcode csvField} writes them.
 *
 * @example Usage
 * ```ts
 * import { csvLines } from "./format_rows.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(csvLines({ columns: ["a", "b"], rows: [[1, "x,y"]] }, true), ["a,b\n", '1,"x,y"\n']);
 * assert.deepEqual(csvLines({ columns: ["n", "t"], rows: [[-1, "=1+2"]] }, false), ["-1,'=1+2\n"]);
 * ```
 */
export function csvLines(rows: SqlRows, header: boolean, options: CsvOptions = {}): string[] {
  const field = (value: unknown) => csvField(value, options);
  const lines = rows.rows.map((row) => row.map(field).join(",") + "\n");
  return header ? [rows.columns.map(field).join(",") + "\n", ...lines] : lines;
}

/**
 * Each row as one JSON object per line; integers beyond 2^53 exact, blobs as hex.
 *
 * @example Usage
 * ```ts
 * import { jsonLines } from "./format_rows.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(jsonLines({ columns: ["n"], rows: [[2n ** 60n]] }), ['{"n":1152921504606846976}\n']);
 * ```
 */
export function jsonLines(rows: SqlRows): string[] {
  return rows.rows.map((row) =>
    JSON.stringify(Object.fromEntries(rows.columns.map((c, i) => [c, jsonValue(row[i]!)]))) + "\n"
  );
}

/**
 * `rows` in `format`, as lines ending in a line break; `options` apply to CSV.
 *
 * @example Usage
 * ```ts
 * import { formatRows } from "./format_rows.ts";
 * import assert from "node:assert/strict";
 * const rows = { columns: ["key", "n"], rows: [["a", 1], ["bb", null]] };
 * assert.deepEqual(formatRows(rows, "table"), ["key  n\n", "---  ----\n", "a       1\n", "bb   NULL\n"]);
 * assert.deepEqual(formatRows(rows, "json"), ['[{"key":"a","n":1},\n', '{"key":"bb","n":null}]\n']);
 * ```
 */
export function formatRows(rows: SqlRows, format: RowFormat, options: CsvOptions = {}): string[] {
  switch (format) {
    case "csv":
      return csvLines(rows, true, options);
    case "jsonl":
      return jsonLines(rows);
    case "json": {
      const lines = jsonLines(rows).map((line) => line.slice(0, -1));
      if (lines.length === 0) return ["[]\n"];
      return lines.map((line, i) =>
        `${i === 0 ? "[" : ""}${line}${i === lines.length - 1 ? "]" : ","}\n`
      );
    }
    case "table":
      return tableLines(rows);
  }
}

/**
 * An aligned table: columns of numbers to the right, NULL spelt out, long or
 * multi-line cells cut. Widths are the columns a terminal gives the text
 * (string-width: a CJK character or an emoji takes two, a combining mark none).
 */
function tableLines(rows: SqlRows): string[] {
  const cells = [rows.columns.map(cellText), ...rows.rows.map((row) => row.map(cellText))];
  const widths = cells.map((row) => row.map((cell) => stringWidth(cell)));
  const columnWidths = rows.columns.map((_, i) =>
    widths.reduce((widest, row) => Math.max(widest, row[i]!), 0)
  );
  const numeric = rows.columns.map((_, i) =>
    rows.rows.every((row) =>
      row[i] === null || typeof row[i] === "number" || typeof row[i] === "bigint"
    )
  );
  const line = (values: string[], width: number[], right: readonly boolean[]) =>
    values.map((v, i) => {
      const pad = " ".repeat(columnWidths[i]! - width[i]!);
      return right[i] ? pad + v : v + pad;
    }).join("  ").trimEnd() + "\n";
  const left = columnWidths.map(() => false);
  const [header, ...body] = cells;
  return [
    line(header!, widths[0]!, left),
    line(columnWidths.map((w) => "-".repeat(w)), columnWidths, left),
    ...body.map((row, r) => line(row, widths[r + 1]!, numeric)),
  ];
}

// Characters a terminal would act on rather than show (C0 and C1 controls, DEL).
const CONTROL = /\p{Cc}/gu;
const graphemes = new Intl.Segmenter();

/**
 * A value as a table shows it, on one line: line breaks and tabs as `\n`
 * and `\t`, other control characters (an answer's escape sequences) as
 * `\xNN`, cut with `…` at {@linkcode CELL_MAX} columns between graphemes.
 */
function cellText(value: SqlValue | string): string {
  if (value === null) return "NULL";
  if (value instanceof ArrayBuffer) return `<blob, ${value.byteLength} bytes>`;
  const text = String(value).replace(/\r?\n/g, "\\n").replace(/\t/g, "\\t").replace(
    CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  if (text.length <= CELL_MAX / 2 || stringWidth(text) <= CELL_MAX) return text;
  let cut = "";
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    width += stringWidth(segment);
    if (width > CELL_MAX - 1) break;
    cut += segment;
  }
  return `${cut}…`;
}

/** `JSON.rawJSON`, which V8 has and TypeScript's library does not declare yet. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function jsonValue(value: SqlValue): unknown {
  if (typeof value === "bigint") return rawJson(value.toString());
  if (value instanceof ArrayBuffer) return hex(value);
  return value;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
