/**
 * Defaults as --help shows them, read from lib/defaults.ts so the help text
 * never repeats a number.
 *
 * @module
 */

const UNITS = { ms: 1, s: 1_000, m: 60_000, MB: 1_000_000 } as const;

/**
 * A default in the unit --help shows it in: milliseconds as `ms`, `s` or
 * `m`, bytes as `MB`.
 *
 * @example Usage
 * ```ts
 * import { formatDefault } from "./format_default.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDefault(300_000, "m"), "5m");
 * assert.equal(formatDefault(60_000, "s"), "60s");
 * assert.equal(formatDefault(10_000_000, "MB"), "10MB");
 * ```
 */
export function formatDefault(value: number, unit: keyof typeof UNITS): string {
  return `${value / UNITS[unit]}${unit}`;
}
