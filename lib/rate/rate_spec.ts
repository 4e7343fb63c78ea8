/**
 * The `--rate` mini-language: `50/s`, `3000/min`, `20/s,1000/min,50000/day`,
 * `none`, `auto`.
 *
 * @module
 */

/** At most `limit` requests in any `periodMs`. */
export interface RateWindow {
  /** Requests allowed in one window. */
  limit: number;
  /** The window's length. */
  periodMs: number;
}

/** What the user asked for. */
export type RateSpec =
  | { kind: "windows"; windows: RateWindow[] }
  | { kind: "none" }
  | { kind: "auto" };

const PERIODS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

/**
 * Parses a rate. A number without a unit is per second. Windows are returned
 * shortest period first.
 *
 * @throws {RangeError} If any part cannot be parsed or is not positive.
 *
 * @example Usage
 * ```ts
 * import { parseRate } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseRate("1000/min,20/s"), {
 *   kind: "windows",
 *   windows: [{ limit: 20, periodMs: 1000 }, { limit: 1000, periodMs: 60_000 }],
 * });
 * assert.deepEqual(parseRate("none"), { kind: "none" });
 * ```
 */
export function parseRate(text: string | number): RateSpec {
  const raw = String(text).trim();
  if (raw === "none" || raw === "unlimited") return { kind: "none" };
  if (raw === "auto") return { kind: "auto" };
  const windows: RateWindow[] = [];
  for (const part of raw.split(",")) {
    const match = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*([0-9]*\.?[0-9]*)\s*([a-z]+))?\s*$/i.exec(part);
    const limit = Number(match?.[1]);
    const unit = PERIODS[(match?.[3] ?? "s").toLowerCase()];
    const multiple = match?.[2] ? Number(match[2]) : 1;
    if (!match || !unit || !(limit > 0) || !Number.isFinite(limit) || !(multiple > 0)) {
      throw new RangeError(
        `Cannot parse rate as a number per period (like 50/s, 3000/min, none or auto): current value is '${text}'`,
      );
    }
    windows.push({ limit, periodMs: unit * multiple });
  }
  windows.sort((a, b) => a.periodMs - b.periodMs);
  return { kind: "windows", windows };
}

/** Formats a rate in requests per second for display. */
export function formatRate(spec: RateSpec): string {
  if (spec.kind !== "windows") return spec.kind;
  const names: Record<number, string> = {
    1000: "s",
    60_000: "min",
    3_600_000: "h",
    86_400_000: "day",
  };
  return spec.windows.map((w) => `${w.limit}/${names[w.periodMs] ?? `${w.periodMs}ms`}`).join(",");
}
