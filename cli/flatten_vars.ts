/**
 * A query's fields as CSV columns: nested objects' fields dotted
 * (`filter.lang`), arrays as JSON text, numbers beyond 2^53 exact.
 *
 * @module
 */
import { isRawJson } from "../lib/job/exact_json.ts";
import { isRecord } from "../lib/util/is_record.ts";

/**
 * The query's value of each of `fields` (as `UserTableRepository.queryFields`
 * names them), as CSV field text; a field the query does not have is empty.
 *
 * @example Usage
 * ```ts
 * import { flattenVars } from "./flatten_vars.ts";
 * import assert from "node:assert/strict";
 * const vars = { q: "pie", filter: { lang: "en" }, tags: ["a", "b"], n: null };
 * assert.deepEqual(
 *   flattenVars(vars, ["q", "filter.lang", "tags", "n", "missing"]),
 *   ["pie", "en", '["a","b"]', null, null],
 * );
 * ```
 */
export function flattenVars(vars: Record<string, unknown>, fields: readonly string[]): unknown[] {
  const flat = new Map<string, unknown>();
  const walk = (value: Record<string, unknown>, prefix: string) => {
    for (const [key, v] of Object.entries(value)) {
      const name = prefix + key;
      if (isRecord(v) && !isRawJson(v)) walk(v, `${name}.`);
      else if (!flat.has(name)) {
        flat.set(name, typeof v === "object" && v !== null ? JSON.stringify(v) : v);
      }
    }
  };
  walk(vars, "");
  return fields.map((field) => flat.get(field) ?? null);
}
