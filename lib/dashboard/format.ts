/**
 * How the dashboard writes numbers, rates, windows and times: once, on the
 * server, for the first page and for every live update alike.
 *
 * @module
 */
import { formatDuration } from "../util/units.ts";

// Made on first use: ICU's number formatting costs ~30 ms of CPU to set up, at
// every start of the CLI otherwise (a run that prints no count never needs it).
let count: Intl.NumberFormat | undefined;

/**
 * A count with thousands separators; `—` when unknown.
 *
 * @example Usage
 * ```ts
 * import { formatCount } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatCount(1234567), "1,234,567");
 * assert.equal(formatCount(undefined), "—");
 * ```
 */
export function formatCount(n: number | undefined | null): string {
  return n === undefined || n === null || !Number.isFinite(n)
    ? "—"
    : (count ??= new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })).format(n);
}

/**
 * A rate per second: `0.5/s`, `9.4/s`, `120/s`, `4.5k/s`; `—` when unknown.
 *
 * @example Usage
 * ```ts
 * import { formatPerSecond } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatPerSecond(9.44), "9.4/s");
 * assert.equal(formatPerSecond(4480), "4.5k/s");
 * assert.equal(formatPerSecond(120), "120/s");
 * ```
 */
export function formatPerSecond(rate: number | undefined | null): string {
  if (rate === undefined || rate === null || !Number.isFinite(rate)) return "—";
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  if (rate >= 100) return `${Math.round(rate)}/s`;
  return `${Number(rate.toFixed(1))}/s`;
}

/**
 * Milliseconds, three significant digits at most: `0.42 ms`, `12.5 ms`, `350 ms`.
 *
 * @example Usage
 * ```ts
 * import { formatMs } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatMs(12.46), "12.5 ms");
 * assert.equal(formatMs(undefined), "—");
 * ```
 */
export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "—";
  return `${Number(ms.toPrecision(ms < 1 ? 2 : 3))} ms`;
}

const PERIODS: [number, string][] = [
  [86_400_000, "day"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
];

/**
 * A rate window as `--rate` takes it: `20/s`, `1000/min`, `60/2s`, `50000/day`.
 *
 * @example Usage
 * ```ts
 * import { formatWindow } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatWindow({ limit: 60, periodMs: 2000 }), "60/2s");
 * assert.equal(formatWindow({ limit: 50000, periodMs: 86_400_000 }), "50,000/day");
 * ```
 */
export function formatWindow(window: { limit: number; periodMs: number }): string {
  const limit = Number.isInteger(window.limit)
    ? formatCount(window.limit)
    : window.limit.toFixed(1);
  for (const [ms, name] of PERIODS) {
    if (window.periodMs % ms === 0) {
      const n = window.periodMs / ms;
      return `${limit}/${n === 1 ? "" : n}${name}`;
    }
  }
  return `${limit}/${window.periodMs}ms`;
}

/**
 * A time ahead of `now` as `in 12s`; `now` when it has passed.
 *
 * @example Usage
 * ```ts
 * import { formatIn } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatIn(12_400, 0), "in 12s");
 * assert.equal(formatIn(0, 5), "now");
 * ```
 */
export function formatIn(at: number, now: number): string {
  return at <= now ? "now" : `in ${formatDuration(at - now)}`;
}

/**
 * A time before `now` as `3s ago`.
 *
 * @example Usage
 * ```ts
 * import { formatAgo } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAgo(1_000, 4_000), "3s ago");
 * ```
 */
export function formatAgo(at: number, now: number): string {
  return `${formatDuration(Math.max(0, now - at))} ago`;
}

/**
 * A time as UTC, to the second: `2026-12-01 13:19:07 UTC`.
 *
 * @example Usage
 * ```ts
 * import { formatTime } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(0), "1970-01-01 00:00:00 UTC");
 * ```
 */
export function formatTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
