/**
 * What the database can hold: a query's variables are stored as JSON text
 * and read back through libSQL's JSON functions when an item is claimed
 * (`json(vars)`, lib/store/queue.ts), by `--into`'s `:vars` and by export.
 * A value those cannot read back would stop every claim of the job, on every
 * resume; a number JSON cannot write would be sent as `null`. Both are
 * refused at import instead.
 *
 * @module
 */
import { isRawJson } from "./exact_json.ts";

/**
 * The deepest nesting libSQL's JSON functions read (SQLite's `JSON_MAX_DEPTH`),
 * counting the query object itself as level 1: `json()` of anything deeper
 * fails with "malformed JSON". Checked against the library by
 * tests/job/storable_vars_test.ts.
 */
export const JSON_MAX_DEPTH = 1000;

/** A value of a query that the database cannot hold as it is. */
export interface Unstorable {
  /** The field's path: `a.b[2]` (for too deep a value, the top-level field). */
  field: string;
  /** Why, in the project's error style. */
  reason: string;
}

const DEPTH_REASON = `Cannot store a value nested deeper than ${JSON_MAX_DEPTH} levels: ` +
  `the database's JSON functions read at most ${JSON_MAX_DEPTH} (SQLite's limit)`;

function numberReason(text: string): string {
  const shown = text.length > 30 ? `${text.slice(0, 27)}...` : text;
  return `Cannot store a number beyond ±1.8e308 as JSON: current value is '${shown}' ` +
    `(it would be sent as null)`;
}

function underflowReason(text: string): string {
  const shown = text.length > 30 ? `${text.slice(0, 27)}...` : text;
  return `Cannot store a non-zero number below ±5e-324 as JSON: current value is '${shown}' ` +
    `(it would be sent as 0)`;
}

/** The first unstorable value in `value`, an object or array being at nesting level `depth`. */
function find(value: unknown, path: string, depth: number): Unstorable | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? undefined
      : { field: path, reason: numberReason(String(value)) };
  }
  if (typeof value === "bigint") {
    return { field: path, reason: `Cannot store a BigInt as JSON: current value is '${value}n'` };
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (isRawJson(value)) {
    const text = value.rawJSON;
    const n = Number(text);
    if (!Number.isFinite(n)) return { field: path, reason: numberReason(text) };
    // Kept as its text by the reader, but the database's JSON functions read it as 0.
    return n === 0 && /[1-9]/.test(text.split(/[eE]/)[0]!)
      ? { field: path, reason: underflowReason(text) }
      : undefined;
  }
  if (depth > JSON_MAX_DEPTH) return { field: path, reason: DEPTH_REASON };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = find(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = find((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Finds the first value of a query that the database cannot hold: nesting
 * deeper than {@linkcode JSON_MAX_DEPTH} levels (the query object is level
 * 1), or a number JSON cannot write (`1e400` reads as Infinity; a number kept
 * as its text, see `exact_json.ts`, whose value is not finite; NaN, a BigInt).
 *
 * @param vars A query's variables.
 * @returns The field at fault and why, or undefined when every value can be stored.
 *
 * @example Usage
 * ```ts
 * import { unstorableValue } from "./storable_vars.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unstorableValue({ q: "a", n: [1, { m: 2 }] }), undefined);
 * assert.equal(unstorableValue({ id: JSON.parse("1e400") })?.field, "id");
 * assert.equal(unstorableValue({ a: { list: [1, -Infinity] } })?.field, "a.list[1]");
 * ```
 */
export function unstorableValue(vars: Record<string, unknown>): Unstorable | undefined {
  for (const key of Object.keys(vars)) {
    const found = find(vars[key], key, 2);
    // Past the limit the path would be a thousand levels long: name the query's field.
    if (found) return found.reason === DEPTH_REASON ? { field: key, reason: found.reason } : found;
  }
  return undefined;
}
