/**
 * An answer's body as sluice keeps it: text when the bytes received are
 * text, else the bytes themselves, so that what is read back is what was
 * received.
 *
 * Text is what SQLite's JSON functions read (`json_extract(body, …)`), so the
 * usual body is stored as TEXT. Bytes that are not valid in the body's
 * charset would become U+FFFD as text, and a NUL cuts a TEXT value where
 * SQLite's text functions and @libsql/client read it (measured: 22 bytes
 * stored, 7 read back): such a body is stored as a BLOB instead.
 *
 * @module
 */

/** A body as stored: its text, or its bytes when they are not text. */
export type StoredBody = string | Uint8Array;

// Per charset: a decoder that replaces what is not valid in it by U+FFFD
// (the fast one), and one that refuses it. Both keep a leading BOM.
const decoders = new Map<string, { lenient: TextDecoder; fatal: TextDecoder }>();

/**
 * `bytes` as text when they are valid in `encoding` (a TextDecoder name) and
 * hold no NUL; else `bytes` as they are.
 *
 * @example Usage
 * ```ts
 * import { storedBody } from "./stored_body.ts";
 * import assert from "node:assert/strict";
 * const utf8 = new TextEncoder().encode('{"q":"café"}');
 * assert.equal(storedBody(utf8), '{"q":"café"}');
 * const nul = new Uint8Array([0x61, 0x00, 0x62]);
 * assert.equal(storedBody(nul), nul);
 * const invalid = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
 * assert.equal(storedBody(invalid), invalid);
 * assert.equal(storedBody(invalid, "windows-1252"), "café");
 * assert.equal(storedBody(new TextEncoder().encode("\uFFFD")), "\uFFFD");
 * ```
 */
export function storedBody(bytes: Uint8Array, encoding = "utf-8"): StoredBody {
  let pair = decoders.get(encoding);
  if (pair === undefined) {
    pair = {
      lenient: new TextDecoder(encoding, { ignoreBOM: true }),
      fatal: new TextDecoder(encoding, { fatal: true, ignoreBOM: true }),
    };
    if (decoders.size < 100) decoders.set(encoding, pair);
  }
  // Refusing decoders are about twice as slow (measured, 1 KB of UTF-8): the
  // lenient one decides, unless its text holds a U+FFFD, received or made.
  let text = pair.lenient.decode(bytes);
  if (text.includes("\uFFFD")) {
    try {
      text = pair.fatal.decode(bytes);
    } catch {
      return bytes;
    }
  }
  return text.includes("\0") ? bytes : text;
}

/**
 * A body column's value as read from the database: a TEXT as it is, a BLOB
 * (an `ArrayBuffer` from @libsql/client) as its bytes, NULL as null.
 *
 * @example Usage
 * ```ts
 * import { bodyOfColumn } from "./stored_body.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bodyOfColumn("ok"), "ok");
 * assert.deepEqual(bodyOfColumn(new Uint8Array([0, 1]).buffer), new Uint8Array([0, 1]));
 * assert.equal(bodyOfColumn(null), null);
 * ```
 */
export function bodyOfColumn(value: unknown): StoredBody | null {
  if (value === null || value === undefined) return null;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array) return value;
  return String(value);
}

/**
 * `text` without its leading byte order mark, if any: a body keeps the BOM it
 * was received with, and `JSON.parse` does not skip one.
 *
 * @example Usage
 * ```ts
 * import { withoutBom } from "./stored_body.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(JSON.parse(withoutBom('\uFEFF{"a":1}')), { a: 1 });
 * assert.equal(withoutBom("plain"), "plain");
 * ```
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
