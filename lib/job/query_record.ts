/**
 * One query as an input reader yields it: its variables and the line it
 * starts on.
 *
 * @module
 */
import { InputError } from "../errors.ts";
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
}

/**
 * Returns a query read at `line` of `file`, which must be a JSON object.
 *
 * @param value The parsed value.
 * @param file The input's path, for the error.
 * @param line The 1-based line the value starts on.
 * @returns The query.
 * @throws {InputError} If the value is not an object (null, arrays and numbers
 * kept as text are not).
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
export function toQueryRecord(value: unknown, file: string, line: number): QueryRecord {
  // A long number kept as its text is an object too (`JSON.rawJSON`), but a number all the same.
  if (isRecord(value) && !isRawJson(value)) return { vars: value, line };
  const kind = value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : isRawJson(value)
    ? "a number"
    : `a ${typeof value}`;
  throw new InputError(`Cannot use a query as an object: got ${kind}`, { file, line });
}
