/**
 * JSON numbers that a double would change (ids such as `12345678901234567890`,
 * beyond 2^53) kept as their exact text: `JSON.rawJSON` values, which
 * `JSON.stringify` writes back digit for digit, so an item's key, its stored
 * variables and a rendered body all keep the number as written.
 *
 * Ordinary input pays one length check per number (streamed arrays) or one
 * regular-expression test per line (JSONL) before taking the slower path.
 *
 * @module
 */

/** A JSON number kept as its text, as `JSON.rawJSON` makes it (a frozen object). */
export interface RawJson {
  /** The number's text, as written in the input. */
  readonly rawJSON: string;
}

/** The parts of `JSON` that TypeScript's library does not declare yet (V8 has them). */
interface JsonWithRaw {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): boolean;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
}

const json = JSON as unknown as JsonWithRaw;

/**
 * 16 digits, a decimal point allowed among them: the shortest mantissa of a
 * number a double may not hold (2^53 has 16 digits; a double holds 15
 * significant digits). Digits in strings match too, which only costs the
 * slower parse; a UUID's longest run is 12.
 */
const LONG_NUMBER = /\d(?:\.?\d){15}/;

/** An exponent of three digits: where a double overflows (1e309) or underflows (1e-324). */
const BIG_EXPONENT = /\d[eE][+-]?\d{3}/;

/**
 * Tells whether `text` may hold a number a double would change: a run of 16
 * digits, a decimal point allowed among them. Strings of digits match too.
 *
 * @param text Any text, such as a line of JSON.
 * @returns False when no number in `text` can lose digits.
 *
 * @example Usage
 * ```ts
 * import { hasLongNumber } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hasLongNumber('{"id":12345678901234567890}'), true);
 * assert.equal(hasLongNumber('{"id":123456789012345}'), false);
 * ```
 */
export function hasLongNumber(text: string): boolean {
  return LONG_NUMBER.test(text);
}

/**
 * Tells whether `value` is a number kept as its text by {@linkcode exactNumber}.
 *
 * @param value Any value.
 * @returns True for a `JSON.rawJSON` value.
 *
 * @example Usage
 * ```ts
 * import { isRawJson, parseExactJson } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * const vars = parseExactJson('{"id":12345678901234567890,"n":1}') as Record<string, unknown>;
 * assert.equal(isRawJson(vars.id), true);
 * assert.equal(isRawJson(vars.n), false);
 * ```
 */
export function isRawJson(value: unknown): value is RawJson {
  return typeof value === "object" && value !== null && json.isRawJSON(value);
}

/**
 * Returns the parsed number, or its text as a `JSON.rawJSON` value when its
 * source has 16 digits or more in a row (a decimal point allowed among them)
 * and the double prints differently: digits a double cannot hold; or when it
 * is a non-zero number a double reads as 0 (`1e-400`). `1.0` or `1e3` stay
 * numbers.
 *
 * @param source The number as written in JSON.
 * @param value `Number(source)`.
 * @returns `value`, or the exact text.
 *
 * @example Usage
 * ```ts
 * import { exactNumber } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * const big = "12345678901234567891";
 * assert.equal(JSON.stringify({ id: exactNumber(big, Number(big)) }), `{"id":${big}}`);
 * assert.equal(exactNumber("42", 42), 42);
 * ```
 */
export function exactNumber(source: string, value: number): number | RawJson {
  return (source.length > 15 && LONG_NUMBER.test(source) && String(value) !== source) ||
      underflows(source, value)
    ? json.rawJSON(source)
    : value;
}

/** True for a non-zero number a double reads as 0 (`1e-400`). */
function underflows(source: string, value: number): boolean {
  return value === 0 && /[1-9]/.test(source.split(/[eE]/)[0]!);
}

/**
 * Parses JSON like `JSON.parse`, keeping numbers a double would change as
 * their exact text (see {@linkcode exactNumber}). Text without a long run of
 * number characters takes `JSON.parse` as is.
 *
 * @param text JSON text.
 * @returns The value.
 * @throws {SyntaxError} When `text` is not JSON.
 *
 * @example Usage
 * ```ts
 * import { parseExactJson } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * const text = '{"a":12345678901234567890,"b":12345678901234567891,"c":0.5}';
 * assert.equal(JSON.stringify(parseExactJson(text)), text);
 * assert.deepEqual(parseExactJson('{"c":0.5}'), { c: 0.5 });
 * ```
 */
export function parseExactJson(text: string): unknown {
  if (!hasLongNumber(text) && !BIG_EXPONENT.test(text)) return JSON.parse(text);
  return json.parse(
    text,
    (_key, value, context) =>
      typeof value === "number" && context.source !== undefined
        ? exactNumber(context.source, value)
        : value,
  );
}

/**
 * Tells whether reading `text` as JSON changes one of its numbers beyond
 * what {@linkcode parseExactJson} keeps: a number beyond ±1.8e308 (it
 * becomes Infinity, which JSON writes as `null`) or a non-zero one below
 * 5e-324 (it becomes 0).
 *
 * @param text JSON text.
 * @returns True when such a number is in it.
 *
 * @example Usage
 * ```ts
 * import { changesNumbers } from "./exact_json.ts";
 * import assert from "node:assert/strict";
 * assert.equal(changesNumbers('{"n":1e400}'), true);
 * assert.equal(changesNumbers('{"n":-1E-400}'), true);
 * assert.equal(changesNumbers('{"n":1e300,"z":0e-999}'), false);
 * ```
 */
export function changesNumbers(text: string): boolean {
  if (!BIG_EXPONENT.test(text)) return false;
  let changed = false;
  json.parse(text, (_key, value, context) => {
    if (typeof value === "number" && context.source !== undefined) {
      const mantissa = context.source.split(/[eE]/)[0]!;
      if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa))) changed = true;
    }
    return value;
  });
  return changed;
}
