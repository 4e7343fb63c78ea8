/**
 * An answer's header fields read once. Deno's `Headers.get` lower-cases and
 * copies the whole field list on every call, and `forEach` sorts it first;
 * an answer is read by half a dozen of them (its redirect, its body's
 * framing, its rate limits, the fields kept with it).
 *
 * @module
 */

const read = new WeakMap<Headers, Map<string, string>>();

/**
 * The fields of `headers` as a map of lower-cased names to values, made on
 * the first call for these `headers` and the same map after: read an
 * answer's headers (which nothing changes) through it, not those of a
 * request being built. A field given more than once has its values joined
 * with `, `, as `Headers.get` joins them.
 *
 * @param headers An answer's headers.
 * @returns Its fields by lower-cased name.
 *
 * @example Usage
 * ```ts
 * import { headerFields } from "./header_fields.ts";
 * import assert from "node:assert/strict";
 * const headers = new Headers([["Content-Type", "text/plain"], ["Vary", "a"], ["vary", "b"]]);
 * const fields = headerFields(headers);
 * assert.equal(fields.get("content-type"), "text/plain");
 * assert.equal(fields.get("vary"), headers.get("vary"));
 * assert.equal(headerFields(headers), fields);
 * ```
 */
export function headerFields(headers: Headers): ReadonlyMap<string, string> {
  let fields = read.get(headers);
  if (fields === undefined) {
    const map = new Map<string, string>();
    headers.forEach((value, name) => {
      const before = map.get(name);
      map.set(name, before === undefined ? value : `${before}, ${value}`);
    });
    read.set(headers, map);
    fields = map;
  }
  return fields;
}

/**
 * The value of field `name` (lower-case) of an answer's `headers`, as
 * `headers.get(name)` gives it, read through {@linkcode headerFields}.
 *
 * @param headers An answer's headers, or undefined (no answer).
 * @param name A field name, in lower case.
 * @returns Its value, or null when the field is absent.
 *
 * @example Usage
 * ```ts
 * import { headerField } from "./header_fields.ts";
 * import assert from "node:assert/strict";
 * const headers = new Headers({ "Retry-After": "5" });
 * assert.equal(headerField(headers, "retry-after"), "5");
 * assert.equal(headerField(headers, "location"), null);
 * assert.equal(headerField(undefined, "location"), null);
 * ```
 */
export function headerField(headers: Headers | undefined, name: string): string | null {
  return headers === undefined ? null : headerFields(headers).get(name) ?? null;
}
