/**
 * The value parsers of the run settings (run_settings.ts) and the exact
 * forms they are saved in. A parser reads a flag's text, a job file's JSON
 * value or a saved value, and throws an {@linkcode InputError} naming where
 * the value came from; `parse(format(value))` gives `value` back.
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../errors.ts";
import { formatNextSpec, parseNextSpec } from "../job/next_spec.ts";
import { sqlText } from "../process/sql_text.ts";
import { type BurstSpec, parseBurst, parseRate, type RateSpec } from "../rate/rate_spec.ts";
import { compileCost } from "../job/item_cost.ts";
import { compileUsage } from "./answer_usage.ts";
import { asInputError } from "../util/as_input_error.ts";
import { formatDuration, parseDuration, parseSize } from "../util/units.ts";

/** A setting's value as a job saves it: JSON, and read back by the setting's parser. */
export type SavedValue = string | number | boolean;

/** Reads a value given as text or JSON; `name` says where it came from (`--timeout`). */
export type SettingParser<T> = (value: unknown, name: string) => T;

/** The text of a flag or a job file's number: anything else is refused. */
function textOf(value: unknown, name: string, what: string): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  throw new InputError(`Cannot parse ${name} as ${what}: current value is '${String(value)}'`);
}

/**
 * An integer of at least `min`.
 *
 * @example Usage
 * ```ts
 * import { integer } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(integer(1)("16", "--concurrency"), 16);
 * assert.throws(() => integer(1)("0", "--concurrency"), {
 *   message: "Cannot parse --concurrency as an integer of at least 1: current value is '0'",
 * });
 * ```
 */
export function integer(min: number): SettingParser<number> {
  const what = `an integer of at least ${min}`;
  return (value, name) => {
    const text = textOf(value, name, what);
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n) || n < min) {
      throw new InputError(`Cannot parse ${name} as ${what}: current value is '${text}'`);
    }
    return n;
  };
}

/** A quantity in units (a duration, a size) of at least `min`, read by `read`. */
function measured(
  what: string,
  read: (text: string, name: string) => number,
  shown: (value: number) => string,
  min: number,
): SettingParser<number> {
  return (value, name) => {
    const text = textOf(value, name, `a ${what}`);
    const n = asInputError(() => read(text, name));
    if (n < min) {
      throw new InputError(
        `Cannot use ${name} as a ${what} of at least ${shown(min)}: current value is '${text}'`,
      );
    }
    return n;
  };
}

/**
 * A duration (`30s`, `5m`, `250ms`, a number of milliseconds) of at least `minMs`.
 *
 * @example Usage
 * ```ts
 * import { duration } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(duration(100)("1.5s", "--timeout"), 1500);
 * assert.throws(() => duration(100)("50ms", "--timeout"), {
 *   message: "Cannot use --timeout as a duration of at least 100ms: current value is '50ms'",
 * });
 * ```
 */
export function duration(minMs = 0): SettingParser<number> {
  return measured("duration", parseDuration, formatDuration, minMs);
}

/**
 * A size (`10MB`, `512kb`, `1MiB`, a number of bytes) of at least `minBytes`.
 *
 * @example Usage
 * ```ts
 * import { size } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(size(1000)("2MB", "--max-body"), 2_000_000);
 * assert.throws(() => size(1000)("10", "--max-body"), /at least 1KB/);
 * ```
 */
export function size(minBytes = 0): SettingParser<number> {
  return measured("size", parseSize, exactSize, minBytes);
}

/** A rate as `--rate` takes it (`50/s`, `20/s,1000/min`, `auto`, `none`); a number is per second. */
export const rate: SettingParser<RateSpec> = (value, name) => {
  const text = textOf(value, name, "a rate");
  return asInputError(() => parseRate(text));
};

/** A burst as `--burst` takes it: `5`, or per unit `5,tokens=4000`. */
export const burst: SettingParser<BurstSpec> = (value, name) => {
  const text = textOf(value, name, "a burst");
  return asInputError(() => parseBurst(text, name));
};

/**
 * `--cost`: a template per unit rendering each query's estimated cost
 * (`tokens={{max_tokens}}`), checked to compile; kept as written.
 *
 * @example Usage
 * ```ts
 * import { cost } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cost("tokens={{n}}", "--cost"), "tokens={{n}}");
 * assert.throws(() => cost("{{n}}", "--cost"), { name: "InputError" });
 * ```
 */
export const cost: SettingParser<string> = (value, name) => {
  const got = textOf(value, name, "unit=template parts");
  asInputError(() => compileCost(got));
  return got;
};

/** `--usage`: a JSON path of the answer or a header per unit, checked to parse; kept as written. */
export const usage: SettingParser<string> = (value, name) => {
  const got = textOf(value, name, "unit=path parts");
  asInputError(() => compileUsage(got));
  return got;
};

/** A switch: `true` or `false` (a flag without a value, or JSON). */
export const yesNo: SettingParser<boolean> = (value, name) => {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InputError(`Cannot parse ${name} as true or false: current value is '${value}'`);
};

/** Any text that is not empty. */
export const text: SettingParser<string> = (value, name) => {
  const got = textOf(value, name, "text");
  if (got === "") throw new InputError(`Cannot use ${name}: it is empty`);
  return got;
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A header's name (an HTTP token), or `false` for none (`--no-idempotency-key`).
 *
 * @example Usage
 * ```ts
 * import { headerNameOrNone } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(headerNameOrNone("X-Req-Id", "--idempotency-key"), "X-Req-Id");
 * assert.equal(headerNameOrNone(false, "--idempotency-key"), false);
 * assert.throws(() => headerNameOrNone("X Req", "--idempotency-key"), /as a header name/);
 * ```
 */
export const headerNameOrNone: SettingParser<string | false> = (value, name) => {
  if (value === false) return false;
  const got = textOf(value, name, "a header name");
  if (!TOKEN.test(got)) {
    throw new InputError(`Cannot parse ${name} as a header name: current value is '${got}'`);
  }
  return got;
};

/** SQL given as text, or as `@file.sql` read from the working directory (its text is kept). */
export const sql: SettingParser<string> = (value, name) => {
  if (typeof value !== "string") throw new InputError(`Cannot use ${name}: it is not a string`);
  return sqlText(value, name);
};

/**
 * A `--next` spec (`link`, `url:$.path`, `cursor:$.path`, `page:$.path`),
 * checked and written back as `--next` takes it.
 *
 * @example Usage
 * ```ts
 * import { nextSpec } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nextSpec(" cursor: $.next_cursor", "--next"), "cursor:$.next_cursor");
 * assert.throws(() => nextSpec("cursor:next", "--next"), /Cannot use --next/);
 * ```
 */
export const nextSpec: SettingParser<string> = (value, name) => {
  if (typeof value !== "string") throw new InputError(`Cannot use ${name}: it is not a string`);
  return formatNextSpec(parseNextSpec(value, name));
};

/** A module's path, made absolute from the working directory. */
export const modulePath: SettingParser<string> = (value, name) => {
  if (typeof value !== "string") throw new InputError(`Cannot use ${name}: it is not a string`);
  return resolve(value);
};

const DURATION_UNITS: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], [
  "m",
  60_000,
], ["s", 1_000]];

/**
 * A duration in the largest unit that holds it exactly, as the duration
 * parser reads it back.
 *
 * @example Usage
 * ```ts
 * import { exactDuration } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exactDuration(300_000), "5m");
 * assert.equal(exactDuration(1500), "1500ms");
 * ```
 */
export function exactDuration(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_UNITS: [string, number][] = [["GB", 1e9], ["MB", 1e6], ["KB", 1e3]];

/**
 * A size in the largest unit that holds it exactly, as the size parser
 * reads it back.
 *
 * @example Usage
 * ```ts
 * import { exactSize } from "./setting_parsers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exactSize(10_000_000), "10MB");
 * assert.equal(exactSize(1500), "1500");
 * ```
 */
export function exactSize(bytes: number): string {
  for (const [unit, size] of SIZE_UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
