/**
 * A run's options normalized once, into the groups its stages take: how a
 * request is sent and kept (`http`, for the attempts), the retry policy, the
 * pacing (for the limiter), the leases and stop, the pool and the
 * processing. Every default is the run settings' (run_settings.ts, from
 * `DEFAULTS`), applied here and nowhere else on the run's path.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { createDeadlines, type DeadlineFactory } from "../http/deadline.ts";
import type { ProcessingOptions } from "../process/processing.ts";
import type { RunLimiterOptions } from "../rate/create_run_limiter.ts";
import type { RateSpec } from "../rate/rate_spec.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { OutcomePolicy } from "./outcome.ts";
import { RUN_SETTINGS, type RunSettings } from "./run_settings.ts";

/** How each request of a run is sent, and what of its answer is kept. */
export interface HttpPlan {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Largest response body accepted. */
  maxBodyBytes: number;
  /** Redirects followed per attempt. */
  maxRedirects: number;
  /** The `User-Agent` header. */
  userAgent: string;
  /** Name of the idempotency header, or false for none. */
  idempotencyHeader: string | false;
  /** Keep every attempt's response, not only the final one. */
  keepAttempts: boolean;
  /** Keep answers as received, secrets they echo included. */
  keepSecrets: boolean;
  /** Reads `{{env.NAME}}` placeholders. */
  env: (name: string) => string | undefined;
  /** The fetch to use. */
  fetch: typeof fetch;
  /** Makes each attempt's timeout. */
  deadlines: DeadlineFactory;
}

/** A run's options, normalized: each stage takes its group. */
export interface RunPlan {
  /** The pool: slots and result rows per transaction. */
  pool: { concurrency: number; batchSize: number };
  /** How requests are sent (the attempts'). */
  http: HttpPlan;
  /** What an answer means for its item (the outcome policy's). */
  retry: OutcomePolicy;
  /** The limiter's, when the run builds it. */
  pacing: RunLimiterOptions & { rate: RateSpec };
  /** Claims, stops and the run's time limit. */
  lease: { leaseMs: number; graceMs: number; deadlineMs: number | undefined };
  /** How answers become rows of the user's tables. */
  processing: ProcessingOptions;
  /** How a query's next pages are followed (`--next`). */
  pages: Pick<RunSettings, "next" | "maxPages" | "nextCrossOrigin">;
  /** The run's time. */
  clock: Clock;
}

/** What {@linkcode planRun} reads: runJob's options, but for what it reports to. */
export type PlanOptions =
  & Partial<RunSettings>
  & Partial<Pick<HttpPlan, "env" | "fetch" | "deadlines">>
  & {
    /** The run's time. @default {systemClock} */
    clock?: Clock;
    /** Result rows per transaction at most. @default {1000} */
    batchSize?: number;
    /**
     * Where `--rate auto` starts, what a long window's budget is counted
     * under, and the backoff of the job's cooldown. @default {}
     */
    pacing?: Pick<RunLimiterOptions, "adaptive" | "budgetScope" | "cooldown">;
  };

/** A setting's value: the one given, else its default. */
function setting<K extends keyof RunSettings>(options: PlanOptions, name: K): RunSettings[K] {
  return (options[name] ?? RUN_SETTINGS[name].default) as RunSettings[K];
}

/**
 * The http group, from what is given of it; the defaults are the run
 * settings'. Each call without `deadlines` makes a set of its own on
 * `clock`'s time (a monotonic clock for the system's, so that a wall-clock
 * jump moves no timeout): no state is shared between runs.
 *
 * @example Usage
 * ```ts
 * import { httpPlan } from "./run_plan.ts";
 * import assert from "node:assert/strict";
 * const http = httpPlan({ timeoutMs: 5000 });
 * assert.equal(http.timeoutMs, 5000);
 * assert.equal(http.idempotencyHeader, "Idempotency-Key");
 * ```
 */
export function httpPlan(options: Partial<HttpPlan> & { clock?: Clock } = {}): HttpPlan {
  const given = options as PlanOptions;
  return {
    timeoutMs: setting(given, "timeoutMs"),
    maxBodyBytes: setting(given, "maxBodyBytes"),
    maxRedirects: setting(given, "maxRedirects"),
    userAgent: setting(given, "userAgent"),
    idempotencyHeader: setting(given, "idempotencyHeader"),
    keepAttempts: setting(given, "keepAttempts"),
    keepSecrets: setting(given, "keepSecrets"),
    env: options.env ?? ((name) => Deno.env.get(name)),
    fetch: options.fetch ?? globalThis.fetch,
    deadlines: options.deadlines ??
      createDeadlines(
        options.clock && options.clock !== systemClock ? { clock: options.clock } : {},
      ),
  };
}

/**
 * Normalizes a run's options once.
 *
 * @throws {RangeError} For a concurrency that is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { planRun } from "./run_plan.ts";
 * import assert from "node:assert/strict";
 * const plan = planRun({ concurrency: 4, retryBaseMs: 100, breakerThreshold: 0 });
 * assert.equal(plan.pool.concurrency, 4);
 * assert.deepEqual(plan.retry.backoff, { baseMs: 100 });
 * assert.equal(plan.pacing.breaker, false);
 * assert.equal(plan.http.timeoutMs, 30_000);
 * ```
 */
export function planRun(options: PlanOptions): RunPlan {
  const concurrency = setting(options, "concurrency");
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot use concurrency as a positive integer: current value is '${concurrency}'`,
    );
  }
  const clock = options.clock ?? systemClock;
  const timeoutMs = setting(options, "timeoutMs");
  const maxRetryAfterMs = setting(options, "maxRetryAfterMs");
  const breakerThreshold = setting(options, "breakerThreshold");
  return {
    pool: { concurrency, batchSize: options.batchSize ?? DEFAULTS.batchSize },
    http: httpPlan({ ...options, clock: options.clock }),
    retry: {
      maxAttempts: setting(options, "maxAttempts"),
      maxThrottled: setting(options, "maxThrottled"),
      maxRetryAfterMs,
      backoff: { baseMs: setting(options, "retryBaseMs") },
    },
    pacing: {
      rate: setting(options, "rate"),
      burst: setting(options, "burst"),
      clock,
      timeoutMs,
      maxRetryAfterMs,
      breaker: breakerThreshold === 0
        ? false
        : { threshold: breakerThreshold, cooldownMs: setting(options, "breakerCooldownMs") },
      ...options.pacing,
    },
    lease: {
      leaseMs: setting(options, "leaseMs"),
      graceMs: setting(options, "graceMs"),
      deadlineMs: options.deadlineMs,
    },
    processing: {
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
      ...(options.into !== undefined ? { into: options.into } : {}),
      ...(options.processor !== undefined ? { processor: options.processor } : {}),
      ...(options.processorTimeoutMs !== undefined
        ? { processorTimeoutMs: options.processorTimeoutMs }
        : {}),
      clock,
    },
    pages: {
      next: options.next,
      maxPages: setting(options, "maxPages"),
      nextCrossOrigin: setting(options, "nextCrossOrigin"),
    },
    clock,
  };
}
