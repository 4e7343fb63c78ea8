/**
 * What the views say of each unit a request costs besides one request
 * (tokens, points): what it spent, what one request costs on average, and
 * what is left of its tightest limit now, be it a window of `--rate`, a long
 * window kept in the database or the server's quota. The progress line, the
 * dashboard's limiter panel and `/metrics` read it from here.
 *
 * @module
 */
import { PERSIST_FROM_MS } from "../rate/rate_budget.ts";
import type { SnapshotRow, UnitUse } from "../store/history.ts";
import type { RateLimiter } from "../rate/rate_limiter.ts";
import { formatCount, formatWindow } from "./format.ts";

/** What the unit figures read of the limiter. */
type UnitsSource = Pick<RateLimiter, "report" | "gauges">;

/** One unit's figures now: its use, and what the limiter knows of its cost per request. */
export interface UnitFigures extends UnitUse {
  /** Requests whose answer reported their usage. */
  settled: number;
  /** What a request reserves when it names no cost: the mean settled usage. */
  estimate: number;
}

/**
 * Each unit besides requests, with what is left of its tightest limit.
 *
 * @example Usage
 * ```ts
 * import { unitFigures, unitsText } from "./unit_view.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter({
 *   units: { tokens: { windows: [{ limit: 12_000, periodMs: 6000 }] } },
 * });
 * const g = await limiter.acquire(undefined, { tokens: 500 });
 * limiter.observe(g, { status: 200, headers: undefined, now: Date.now(), usage: { tokens: 800 } });
 * const [tokens] = unitFigures(limiter, Date.now());
 * assert.deepEqual([tokens!.spent, tokens!.left, tokens!.of], [800, 11_200, "12,000/6s"]);
 * assert.equal(unitsText(unitFigures(limiter, Date.now())), "tokens 800 spent, 11,200 left of 12,000/6s");
 * ```
 */
export function unitFigures(limiter: UnitsSource, now: number): UnitFigures[] {
  const report = limiter.report();
  const budgets = limiter.gauges.budget ?? [];
  return (report.units ?? []).map((u) => {
    let left: number | undefined;
    let of: string | undefined;
    const offer = (room: number, what: string) => {
      if (left === undefined || room < left) [left, of] = [Math.max(0, room), what];
    };
    for (const w of u.windows) {
      if (w.periodMs < PERSIST_FROM_MS) offer(w.limit - w.used, formatWindow(w));
    }
    for (const b of budgets) {
      if (b.unit === u.unit) offer(Math.floor(b.limit) - b.used, formatWindow(b));
    }
    for (const q of report.quotas) {
      if (q.unit === u.unit && q.resetAt > now) offer(q.budget, `server quota "${q.name}"`);
    }
    return {
      unit: u.unit,
      spent: u.spent,
      settled: u.settled,
      estimate: u.estimate,
      ...(left !== undefined ? { left, of } : {}),
    };
  });
}

/**
 * The units in a few words each: `tokens 31,913 spent, 3,488 left of
 * 12,000/6s`; empty when there are none.
 *
 * @example Usage
 * ```ts
 * import { unitsText } from "./unit_view.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   unitsText([{ unit: "tokens", spent: 1200, left: 800, of: 'server quota "tokens"' }, { unit: "points", spent: 4 }]),
 *   'tokens 1,200 spent, 800 left of server quota "tokens"; points 4 spent',
 * );
 * ```
 */
export function unitsText(figures: readonly UnitUse[]): string {
  return figures.map((f) =>
    `${f.unit} ${formatCount(Math.round(f.spent))} spent` +
    (f.left === undefined ? "" : `, ${formatCount(Math.floor(f.left))} left of ${f.of}`)
  ).join("; ");
}

/**
 * The units for the progress line, short: `tokens 31.9k spent, 3.5k left`.
 *
 * @example Usage
 * ```ts
 * import { unitsShort } from "./unit_view.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unitsShort([{ unit: "tokens", spent: 31_913, left: 3_488 }]), "tokens 31.9k spent, 3.5k left");
 * assert.equal(unitsShort([]), undefined);
 * ```
 */
export function unitsShort(figures: readonly UnitUse[]): string | undefined {
  if (figures.length === 0) return undefined;
  return figures.map((f) =>
    `${f.unit} ${compact(f.spent)} spent` +
    (f.left === undefined ? "" : `, ${compact(f.left)} left`)
  ).join(", ");
}

/**
 * One line per unit for the run's summary: what it spent, per request, how
 * many answers reported it, and what is left of its tightest limit.
 *
 * @example Usage
 * ```ts
 * import { unitSummaryLines } from "./unit_view.ts";
 * import assert from "node:assert/strict";
 * const lines = unitSummaryLines(
 *   [{ unit: "tokens", spent: 32_000, settled: 400, estimate: 80, left: 9_000, of: "12,000/3s" }],
 *   400,
 * );
 * assert.deepEqual(lines, [
 *   "tokens: 32,000 spent, 80 a request; 400 answers reported their usage; 9,000 left of 12,000/3s",
 * ]);
 * ```
 */
export function unitSummaryLines(figures: readonly UnitFigures[], sent: number): string[] {
  return figures.map((f) =>
    `${f.unit}: ${formatCount(Math.round(f.spent))} spent` +
    (sent > 0 ? `, ${formatCount(Number((f.spent / sent).toPrecision(3)))} a request` : "") +
    `; ${formatCount(f.settled)} answers reported their usage` +
    (f.left === undefined ? "" : `; ${formatCount(Math.floor(f.left))} left of ${f.of}`)
  );
}

/** 31.9k, 2.0M, 950: a count short enough for the progress line. */
function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/**
 * Whether a job counts cost units besides requests: its saved settings name
 * some (`--cost`, `--usage`, a unit's window in `--rate`), its run counts
 * some now (a unit the server's headers advertise), or its history did.
 *
 * @example Usage
 * ```ts
 * import { countsUnits } from "./unit_view.ts";
 * import assert from "node:assert/strict";
 * assert.equal(countsUnits({ rate: "50/s,tokens=9000/min" }, []), true);
 * assert.equal(countsUnits({ rate: "50/s" }, []), false);
 * ```
 */
export function countsUnits(
  options: Readonly<Record<string, unknown>>,
  history: readonly SnapshotRow[],
  limiter?: UnitsSource | undefined,
): boolean {
  const { cost, usage, rate } = options;
  return cost !== undefined || usage !== undefined ||
    (typeof rate === "string" && rate.includes("=")) ||
    (limiter?.report().units?.length ?? 0) > 0 ||
    history.some((p) => (p.units?.length ?? 0) > 0);
}
