/**
 * What an import found in the input, as lines for people: the same words in
 * `run`'s warnings at import, its closing summary, `plan`'s report and
 * `status` (rows skipped by `--skip-bad-rows`, empty template fields,
 * duplicate keys whose fields differ).
 *
 * @module
 */
import type { BadRow } from "../lib/job/bad_rows.ts";
import type { DuplicateKey } from "../lib/job/duplicate_keys.ts";
import type { FieldTally } from "../lib/job/query_checks.ts";

/** `q.csv:4`, or `q.csv` when the line is not known. */
export const at = (file: string, line: number | undefined): string =>
  line === undefined ? file : `${file}:${line}`;

/** `1 row`, `2 rows`. */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n} ${n === 1 ? one : many}`;

/**
 * The line saying which queries have an empty value (null or blank) in a
 * template field: sent as they are, most likely to fail.
 *
 * @example Usage
 * ```ts
 * import { emptyFieldsLine } from "./import_warnings.ts";
 * import assert from "node:assert/strict";
 * const tally = { count: 3, fields: ["q"], first: [{ line: 4, field: "q" }, { line: 9, field: "q" }] };
 * assert.equal(
 *   emptyFieldsLine(tally, "q.csv"),
 *   '3 queries have an empty value in a field the request template uses ("q"): q.csv:4, q.csv:9, ...',
 * );
 * ```
 */
export function emptyFieldsLine(tally: FieldTally, file: string): string | undefined {
  if (tally.count === 0) return undefined;
  const fields = tally.fields.map((f) => JSON.stringify(f)).join(", ");
  const lines = tally.first.map((f) => at(file, f.line)).join(", ");
  return `${plural(tally.count, "query has", "queries have")} an empty value in a field the ` +
    `request template uses (${fields}): ${lines}${tally.count > tally.first.length ? ", ..." : ""}`;
}

/**
 * The lines listing the rows an import skipped, each with its file and line.
 *
 * @param count How many were skipped.
 * @param rows The first ones, with their file.
 * @param more Where the rest can be seen, when not all are listed.
 *
 * @example Usage
 * ```ts
 * import { skippedRowsLines } from "./import_warnings.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(skippedRowsLines(1, [{ file: "q.csv", line: 5, reason: "Cannot read row" }]), [
 *   "1 row skipped (--skip-bad-rows):",
 *   "  q.csv:5: Cannot read row",
 * ]);
 * ```
 */
export function skippedRowsLines(
  count: number,
  rows: readonly (BadRow & { file: string })[],
  more = "sluice status lists them",
): string[] {
  if (count === 0) return [];
  return [
    `${plural(count, "row")} skipped (--skip-bad-rows):`,
    ...rows.map((row) => `  ${at(row.file, row.line)}: ${row.reason}`),
    ...(count > rows.length ? [`  ... and ${count - rows.length} more; ${more}`] : []),
  ];
}

/**
 * The line naming duplicate keys whose fields differ from the kept query's.
 *
 * @example Usage
 * ```ts
 * import { differingDuplicatesLine } from "./import_warnings.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   differingDuplicatesLine(1, [{ key: "1", line: 4, firstLine: 1 }], "q.jsonl"),
 *   '1 skipped as duplicate keys although their fields differ: q.jsonl:4 key "1" (kept: q.jsonl:1)',
 * );
 * ```
 */
export function differingDuplicatesLine(
  differing: number,
  first: readonly DuplicateKey[],
  file: string,
): string | undefined {
  if (differing === 0) return undefined;
  const shown = first.map((d) =>
    `${at(file, d.line)} key ${JSON.stringify(d.key)} (kept: ${
      d.firstLine ? at(file, d.firstLine) : "an earlier import"
    })`
  );
  return `${differing} skipped as duplicate keys although their fields differ: ` +
    `${shown.join(", ")}${differing > first.length ? ", ..." : ""}`;
}

/** What {@linkcode importWarnings} reads of an import (`prepareJob`'s result). */
export interface ImportFindings {
  /** Duplicate keys skipped. */
  duplicates: { differing: number; first: readonly DuplicateKey[] };
  /** Template fields missing or empty. */
  checks: { empty: FieldTally };
  /** Rows skipped by `--skip-bad-rows`. */
  badRows: { count: number; first: readonly BadRow[] };
}

/**
 * The warnings `run` prints once the input is imported, each a line of its own.
 *
 * @example Usage
 * ```ts
 * import { importWarnings } from "./import_warnings.ts";
 * import assert from "node:assert/strict";
 * const none = { count: 0, fields: [], first: [] };
 * assert.deepEqual(importWarnings({
 *   duplicates: { differing: 0, first: [] },
 *   checks: { empty: none },
 *   badRows: { count: 1, first: [{ line: 3, reason: "Cannot read row" }] },
 * }, "q.csv"), ["warning: 1 row skipped (--skip-bad-rows):\n  q.csv:3: Cannot read row"]);
 * ```
 */
export function importWarnings(found: ImportFindings, file: string): string[] {
  const { duplicates, checks, badRows } = found;
  const skipped = skippedRowsLines(badRows.count, badRows.first.map((row) => ({ ...row, file })));
  return [
    differingDuplicatesLine(duplicates.differing, duplicates.first, file),
    emptyFieldsLine(checks.empty, file),
    skipped.length > 0 ? skipped.join("\n") : undefined,
  ].filter((line) => line !== undefined).map((line) => `warning: ${line}`);
}
