/**
 * What the limiter panel says: the configured windows and burst, the quota
 * the server advertises, the rate allowed now and what sets it, the rate
 * `--rate auto` found, the breaker, the cooldown and the daily budget; and
 * the state a running job is in. Text made here, once per update, for the
 * page and the live updates alike.
 *
 * @module
 */
import { cooldownText, describeCooldown } from "../rate/job_cooldown.ts";
import type { RateLimiter } from "../rate/rate_limiter.ts";
import { PERSIST_FROM_MS } from "../rate/rate_budget.ts";
import { REQUESTS } from "../rate/rate_spec.ts";
import type { QuotaState } from "../rate/server_quota.ts";
import { formatDuration } from "../util/units.ts";
import { formatCount, formatIn, formatPerSecond, formatWindow } from "./format.ts";
import { unitFigures, unitsText } from "./unit_view.ts";

/** The limiter's public face, as the panel reads it. */
export type LimiterLike = Pick<
  RateLimiter,
  "windows" | "held" | "cooldownUntil" | "cooldown" | "report" | "gauges"
>;

/** The state of the job a process is running. */
export type RunState = "running" | "paused" | "cooling down" | "breaker open";

/** The panel's lines, by field name (`data-field="<job>|limiter.<name>"`). */
export interface LimiterFields {
  /** The windows asked for and the burst: `20/s,1000/min · burst 1`. */
  configured: string;
  /** The rate allowed now and what sets it: `9.5/s (server quota "default")`. */
  allowed: string;
  /** Requests sent per second, recently. */
  sending: string;
  /** Requests sent and not yet answered, of the concurrency. */
  inflight: string;
  /** The server's advertised quotas, what is left of them and when they reset. */
  quota: string;
  /** The rate `--rate auto` is at, its phase and the rate that drew 429s. */
  discovered: string;
  /** The circuit breaker's state, when it probes again, how often it opened. */
  breaker: string;
  /** The job's cooldown in force, for how long and why (a Retry-After, a run of 429s/503s). */
  cooldown: string;
  /** Each long window kept as a budget: used and left. */
  budget: string;
  /** Each cost unit besides requests: spent, and what is left of its tightest limit. */
  units: string;
}

/** Options for {@linkcode limiterFields}. */
export interface LimiterFieldsOptions {
  /** The rate in force as the user would type it (`20/s`, `auto`). */
  rate: string;
  /** Requests sent per second, recently. */
  sendRate: number;
  /** Requests allowed in flight at once. @default undefined (unknown) */
  concurrency?: number | undefined;
  /** The time now. */
  now: number;
}

/** The rate allowed now, what sets it and, when not requests, that limit's unit. */
export interface AllowedRate {
  /** Requests per second. */
  rate: number;
  /** What sets it: `--rate 20/s`, `--rate tokens=90,000/min`, `server quota "tokens"`, `paused`. */
  by: string;
  /** The unit of the limit that sets it, when another than requests (`tokens`). */
  unit?: string;
}

/**
 * The state of a running job: paused by a person, cooling down (a 429's or
 * 503's Retry-After, or a backoff after a run of them), held back by an open
 * breaker (or one waiting for its probe's answer), or running.
 *
 * @example Usage
 * ```ts
 * import { runState } from "./limiter_view.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter();
 * limiter.pauseUntil(5_000);
 * assert.equal(runState(limiter, 1_000), "cooling down");
 * limiter.hold(true);
 * assert.equal(runState(limiter, 1_000), "paused");
 * ```
 */
export function runState(limiter: LimiterLike, now: number): RunState {
  if (limiter.held) return "paused";
  if (limiter.cooldownUntil > now) return "cooling down";
  if ((limiter.gauges.breakerUntil ?? 0) > now) return "breaker open";
  if (limiter.report().breaker?.state === "half-open") return "breaker open";
  return "running";
}

/**
 * The rate the limiter lets the job keep up now, requests per second, and
 * what sets it: the tightest of the windows shorter than an hour (their
 * steady rate), of the long windows kept as a budget (0 once used up), and of
 * the server's quotas (their size over their window; 0 while one is used up
 * for more than a second). 0 while paused, cooling down or held by the
 * breaker; undefined when nothing limits the job.
 *
 * @example Usage
 * ```ts
 * import { allowedRate } from "./limiter_view.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const windows = [{ limit: 20, periodMs: 1000 }, { limit: 600, periodMs: 60_000 }];
 * const limiter = new RateLimiter({ windows });
 * assert.deepEqual(allowedRate(limiter, 0), { rate: 10, by: "--rate 600/min" });
 * limiter.hold(true);
 * assert.deepEqual(allowedRate(limiter, 0), { rate: 0, by: "paused" });
 * ```
 */
export function allowedRate(
  limiter: LimiterLike,
  now: number,
): AllowedRate | undefined {
  const state = runState(limiter, now);
  if (state !== "running") return { rate: 0, by: state };
  const report = limiter.report();
  let best: AllowedRate | undefined;
  const offer = (rate: number, by: string, unit = REQUESTS) => {
    if (!best || rate < best.rate) best = unit === REQUESTS ? { rate, by } : { rate, by, unit };
  };
  for (const w of limiter.windows) {
    if (w.periodMs >= PERSIST_FROM_MS) continue; // a budget: see below
    const discovered = report.adaptive && w.periodMs === 1000 && w.limit === report.adaptive.rate;
    offer((w.limit / w.periodMs) * 1000, discovered ? "--rate auto" : `--rate ${formatWindow(w)}`);
  }
  for (const w of limiter.gauges.budget ?? []) {
    const named = w.unit === REQUESTS ? "" : `${w.unit}=`;
    if (w.used >= Math.floor(w.limit)) {
      offer(0, `--rate ${named}${formatWindow(w)} used up`, w.unit);
    }
  }
  // A unit other than requests (tokens) paces requests at its rate over what one costs.
  const perRequest = (unit: string | undefined) =>
    unit === undefined || unit === REQUESTS
      ? 1
      : report.units?.find((u) => u.unit === unit)?.estimate ?? 0;
  for (const u of report.units ?? []) {
    if (!(u.estimate > 0)) continue;
    for (const w of u.windows) {
      if (w.periodMs >= PERSIST_FROM_MS) continue;
      offer(
        (w.limit / w.periodMs) * 1000 / u.estimate,
        `--rate ${u.unit}=${formatWindow(w)}`,
        u.unit,
      );
    }
  }
  for (const q of report.quotas) {
    const per = perRequest(q.unit);
    if (!(per > 0)) continue;
    const by = `server quota "${q.name}"`;
    const unit = q.unit ?? REQUESTS;
    if (q.refillPerSecond !== undefined) offer(q.refillPerSecond / per, by, unit);
    else if (q.budget < per && q.resetAt - now > 1000) offer(0, `${by} used up`, unit);
    else if (q.limit !== undefined && q.windowMs) {
      offer((q.limit / q.windowMs) * 1000 / per, by, unit);
    } else if (q.resetAt > now) {
      offer(Math.max(0, q.budget) / per / ((q.resetAt - now) / 1000), by, unit);
    }
  }
  return best;
}

/**
 * The limiter panel's lines.
 *
 * @example Usage
 * ```ts
 * import { limiterFields } from "./limiter_view.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }], burst: 5 });
 * const fields = limiterFields(limiter, { rate: "20/s", sendRate: 19.5, concurrency: 16, now: 0 });
 * assert.equal(fields.configured, "20/s · burst 5");
 * assert.equal(fields.allowed, "20/s (--rate 20/s)");
 * assert.equal(fields.inflight, "0 of 16");
 * assert.equal(fields.quota, "none advertised");
 * ```
 */
export function limiterFields(limiter: LimiterLike, options: LimiterFieldsOptions): LimiterFields {
  const { rate, sendRate, concurrency, now } = options;
  const report = limiter.report();
  const gauges = limiter.gauges;
  const allowed = allowedRate(limiter, now);
  const a = report.adaptive;
  const b = report.breaker;
  const breakerUntil = gauges.breakerUntil ?? 0;
  return {
    configured: `${rate} · burst ${gauges.burst}`,
    allowed: allowed ? `${formatPerSecond(allowed.rate)} (${allowed.by})` : "no limit",
    sending: formatPerSecond(sendRate),
    inflight: `${formatCount(gauges.inflight)}${concurrency ? ` of ${concurrency}` : ""}`,
    quota: report.quotas.length === 0
      ? "none advertised"
      : report.quotas.map((q) => quotaText(q, now)).join(" · "),
    discovered: a
      ? `${formatPerSecond(a.rate)} (${a.phase}` +
        `${a.ceiling === undefined ? "" : `; 429s from ${formatPerSecond(a.ceiling)}`})`
      : "— (a fixed rate)",
    breaker: b
      ? (breakerUntil > now
        ? `open, probes ${formatIn(breakerUntil, now)}`
        : b.state === "half-open"
        ? "half-open, one probe"
        : b.state) +
        (b.opened > 0 ? ` (opened ${b.opened}×)` : "")
      : "off",
    cooldown: cooldownLine(limiter, now),
    budget: gauges.budget?.map((w) =>
      `${formatCount(w.used)} of ${formatWindow(w)} used, ` +
      `${formatCount(Math.max(0, Math.floor(w.limit) - w.used))} left`
    ).join(" · ") ?? "— (no window of an hour or more)",
    units: unitsText(unitFigures(limiter, now)) || "— (requests only)",
  };
}

function quotaText(q: QuotaState, now: number): string {
  const size = q.limit === undefined
    ? ""
    : `${formatCount(q.limit)}${q.windowMs ? ` per ${formatDuration(q.windowMs)}` : ""}, `;
  return `"${q.name}": ${size}${formatCount(Math.max(0, q.budget))} left, ` +
    `resets ${formatIn(q.resetAt, now)}`;
}

/**
 * The cooldown line: `8s left: after 12 × 503 (no wait time given)`, or
 * `none (the last: Retry-After of a 429, 3 in all)` once over.
 */
function cooldownLine(limiter: LimiterLike, now: number): string {
  const { until, cause } = limiter.cooldown;
  if (until > now) return `${formatDuration(until - now)} left: ${describeCooldown(cause)}`;
  const count = limiter.report().cooldowns?.count ?? 0;
  return count === 0 ? "none" : `none (the last: ${describeCooldown(cause)}; ${count} in all)`;
}

/**
 * What holds sending back now, as the progress line says it: `paused`,
 * `cooling down 8s after 12 × 503 (no wait time given)`, `breaker open, next
 * probe in 6s`; undefined while the job runs.
 *
 * @example Usage
 * ```ts
 * import { holdText } from "./limiter_view.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import assert from "node:assert/strict";
 * const limiter = new RateLimiter();
 * assert.equal(holdText(limiter, 0), undefined);
 * limiter.coolDown(5_000, { kind: "retry-after", status: 429 });
 * assert.equal(holdText(limiter, 0), "cooling down 5s (Retry-After of a 429)");
 * ```
 */
export function holdText(limiter: LimiterLike, now: number): string | undefined {
  const state = runState(limiter, now);
  if (state === "paused") return "paused";
  if (state === "cooling down") return cooldownText(limiter.cooldown, now);
  if (state === "breaker open") {
    const until = limiter.gauges.breakerUntil ?? 0;
    return until > now
      ? `breaker open, next probe in ${formatDuration(until - now)}`
      : "breaker open, probing with one request";
  }
  return undefined;
}
