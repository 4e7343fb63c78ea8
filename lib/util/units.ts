/**
 * Parsing of human durations and sizes given on the command line.
 *
 * @module
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses `250ms`, `30s`, `5m`, `2h`, `1d` (or a bare number of milliseconds).
 *
 * @throws {RangeError} If the text is not a non-negative duration.
 *
 * @example Usage
 * ```ts
 * import { parseDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("30s"), 30_000);
 * assert.equal(parseDuration("1.5m"), 90_000);
 * ```
 */
export function parseDuration(text: string, name = "duration"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new RangeError(`Cannot parse ${name} as a duration: current value is '${text}'`);
  }
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "ms"]!);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  mb: 1_000_000,
  gb: 1_000_000_000,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses `512kb`, `10MB`, `1MiB` or a bare number of bytes.
 *
 * @throws {RangeError} If the text is not a non-negative size.
 *
 * @example Usage
 * ```ts
 * import { parseSize } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSize("10MB"), 10_000_000);
 * ```
 */
export function parseSize(text: string, name = "size"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
  if (!match) throw new RangeError(`Cannot parse ${name} as a size: current value is '${text}'`);
  return Math.round(Number(match[1]) * SIZE_UNITS[(match[2] ?? "b").toLowerCase()]!);
}

/**
 * Formats a duration as `1h02m`, `3m05s`, `12s` or `850ms`; `?` when unknown.
 *
 * @example Usage
 * ```ts
 * import { formatDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(185_000), "3m05s");
 * assert.equal(formatDuration(undefined), "?");
 * ```
 */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
