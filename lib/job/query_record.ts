/**
 * One query as an input reader yields it: its variables and the line it
 * starts on.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { BadRows } from "./bad_rows.ts";
import { isRecord } from "../util/is_record.ts";
import { isRawJson } from "./exact_json.ts";

/** One query and where it was read. */
export interface QueryRecord {
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** 1-based line where the query starts. */
  line: number;
}

/** Options for the input readers (`readJsonl`, `readCsv`, `readJsonArray`). */
export interface ReadQueriesOptions {
  /** Stops reading: iteration throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Where rows that cannot be read go (`--skip-bad-rows`); without it, the
   * first one stops the reading with an `InputError`.
   *
   * @default {undefined}
   */
  badRows?: BadRows;
}

/**
 * Returns a query read at `line` of `file`, which must be a JSON object.
 *
 * @param value The parsed value.
 * @param file The input's path, for the error.
 * @param line The 1-based line the value starts on.
 * @param badRows Where a value that is not an object goes, instead of an error.
 * @returns The query; undefined when `badRows` took the value.
 * @throws {InputError} If the value is not an object (null, arrays and numbers
 * kept as text are not), without `badRows`.
 *
 * @example Usage
 * ```ts
 * import { toQueryRecord } from "./query_record.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(toQueryRecord({ q: "a" }, "q.jsonl", 3), { vars: { q: "a" }, line: 3 });
 * assert.throws(() => toQueryRecord([1], "q.jsonl", 4), {
 *   message: "q.jsonl:4: Cannot use a query as an object: got an array",
 * });
 * ```
 */
export function toQueryRecord(
  value: unknown,
  file: string,
  line: number,
  badRows?: BadRows,
): QueryRecord | undefined {
  // A long number kept as its text is an object too (`JSON.rawJSON`), but a number all the same.
  if (isRecord(value) && !isRawJson(value)) return { vars: value, line };
  const kind = value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : isRawJson(value)
    ? "a number"
    : `a ${typeof value}`;
  const reason = `Cannot use a query as an object: got ${kind}`;
  if (!badRows) throw new InputError(reason, { file, line });
  badRows.add({ line, reason });
  return undefined;
}
