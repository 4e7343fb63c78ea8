/**
 * The one shape check JSON input needs again and again: a plain object.
 *
 * @module
 */

/**
 * Tells whether `value` is an object that is neither `null` nor an array,
 * such as what `JSON.parse` returns for `{...}`.
 *
 * @param value Any value.
 * @returns True for an object with string keys.
 *
 * @example Usage
 * ```ts
 * import { isRecord } from "./is_record.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isRecord({ q: 1 }), true);
 * assert.equal(isRecord([1]), false);
 * assert.equal(isRecord(null), false);
 * assert.equal(isRecord("x"), false);
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
