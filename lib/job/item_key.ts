/**
 * The key that identifies a query within a job: its `id` field, or a stable
 * hash of its variables. Importing the same file twice yields the same keys,
 * which is what makes imports idempotent.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { isRawJson } from "./exact_json.ts";

/**
 * Returns JSON text with object keys sorted at every level, so equal values
 * give equal text (numbers kept as their text stay so).
 *
 * @param value A JSON value.
 * @returns The canonical JSON text.
 *
 * @example Usage
 * ```ts
 * import { canonicalJson } from "./item_key.ts";
 * import assert from "node:assert/strict";
 * assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object" || isRawJson(value)) {
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]);
    }
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ",";
    out += JSON.stringify(key) + ":" + canonicalJson(item);
  }
  return out + "}";
}

/**
 * Returns the key of a query: its `id` field as a string when that is a
 * non-empty string or a finite number (a number kept as its exact text, see
 * `exact_json.ts`, gives that text), otherwise the first 32 hex digits of
 * the SHA-256 of its variables as canonical JSON (keys sorted recursively), so
 * the same variables in any key order give the same key.
 *
 * @param vars The query's variables.
 * @returns The key.
 *
 * @example Usage
 * ```ts
 * import { itemKey } from "./item_key.ts";
 * import { parseExactJson } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * assert.equal(itemKey({ id: 42, q: "x" }), "42");
 * assert.equal(itemKey({ q: "x", n: 1 }), itemKey({ n: 1, q: "x" }));
 * assert.match(itemKey({ q: "x" }), /^[0-9a-f]{32}$/);
 * const big = parseExactJson('{"id":12345678901234567891}') as Record<string, unknown>;
 * assert.equal(itemKey(big), "12345678901234567891");
 * ```
 */
export function itemKey(vars: Record<string, unknown>): string {
  const id = vars.id;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  if (isRawJson(id)) return id.rawJSON;
  return createHash("sha256").update(canonicalJson(vars)).digest("hex").slice(0, 32);
}
