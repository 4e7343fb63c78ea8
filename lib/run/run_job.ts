/**
 * Runs a job: claims ready items page by page, sends each through the rate
 * limiter inside a bounded pool, and records every outcome through the
 * batched result writer. A failed attempt goes back to the queue with a
 * future `next_at`; no pool slot ever sleeps through a backoff.
 *
 * @module
 */
import { type Clock, systemClock } from "../util/clock.ts";
import { decideOutcome, type Outcome, type OutcomePolicy } from "./outcome.ts";
import { pooledEach } from "./pool.ts";
import type { RateSpec } from "../rate/rate_spec.ts";
import { ResultWriter } from "./result_writer.ts";
import { selectHeaders, send } from "../http/send.ts";
import { RunStats, type StatsSnapshot } from "./run_stats.ts";
import type { ClaimedItem, ItemUpdate, JobCounts, JobRow, Store } from "../store/store.ts";
import type { CompiledTemplate, RenderedRequest } from "../job/template.ts";
import { VERSION } from "../version.ts";
import { LeaseKeeper } from "./lease_keeper.ts";
import { jobDeadline } from "./job_deadline.ts";
import type { LimiterReport, RateLimiter } from "../rate/rate_limiter.ts";
import { createRunLimiter, type RunLimiterOptions } from "../rate/create_run_limiter.ts";

/** Options for {@linkcode runJob}. */
export interface RunJobOptions {
  /** Requests in flight at once. @default 16 */
  concurrency?: number;
  /** Client-side pacing. @default 10/s */
  rate?: RateSpec;
  /** Requests allowed at once above the steady rate. @default 1 */
  burst?: number;
  /** Per-attempt timeout. @default 30_000 */
  timeoutMs?: number;
  /** Largest response body accepted. @default 10_000_000 */
  maxBodyBytes?: number;
  /** Retry and throttling policy. @default {} */
  policy?: OutcomePolicy;
  /** Store every attempt's response, not only the final one. @default false */
  keepAttempts?: boolean;
  /** Name of the idempotency header, or false for none. @default "Idempotency-Key" */
  idempotencyHeader?: string | false;
  /** The `User-Agent` header. @default `sluice/<version>` */
  userAgent?: string;
  /** How long a claim is valid without renewal. @default 60_000 */
  leaseMs?: number;
  /** After a stop is requested, how long in-flight requests may finish. @default 10_000 */
  graceMs?: number;
  /** Requests a stop: no new claims, in-flight requests get `graceMs`. */
  signal?: AbortSignal;
  /** Reads `{{env.NAME}}` placeholders. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** A limiter to use instead of one built from `rate` and `burst`. */
  limiter?: RateLimiter;
  /** Statistics to fill; read them for progress while the run goes on. */
  stats?: RunStats;
  /** Called with the run's limiter once built, e.g. so a dashboard can pause it or change its rate. */
  onLimiter?: (limiter: RateLimiter) => void;
  /** Result rows per transaction. @default 1000 */
  batchSize?: number;
  /** Longest delay before buffered results are written. @default 200 */
  flushMs?: number;
  /** Redirects followed per attempt; more fail the item. @default 10 */
  maxRedirects?: number;
  /** Overall time limit of the run: then it stops as on a stop request. @default undefined */
  deadlineMs?: number;
  /** Circuit breaker, `--rate auto` tuning and budget scope of the built limiter. @default {} */
  pacing?: Pick<RunLimiterOptions, "breaker" | "adaptive" | "budgetScope">;
}

/** What a run did. */
export interface RunSummary {
  job: JobRow;
  counts: JobCounts;
  stats: StatsSnapshot;
  /** True when the run ended because a stop was requested. */
  stopped: boolean;
  /** Items found in flight from an earlier run and put back (possibly sent twice). */
  recovered: number;
  /** What the limiter learnt: the discovered rate of `--rate auto`, the breaker. */
  limiter: LimiterReport;
  /** True when the stop came from `deadlineMs`. */
  deadlineReached: boolean;
}

/** The default pacing when no rate is given: polite, and said so at start. */
export const DEFAULT_RATE: RateSpec = { kind: "windows", windows: [{ limit: 10, periodMs: 1000 }] };

/**
 * Runs the job until no item is pending or in flight, or until stopped.
 *
 * @example Usage
 * ```ts ignore
 * import { openStore, prepareJob, compileTemplate, runJob } from "../mod.ts";
 * const store = await openStore("file:sluice.db");
 * const request = { url: "http://127.0.0.1:8080/search", body: '{"q":"{{q}}"}' };
 * const template = compileTemplate(request);
 * const { job } = await prepareJob(store, template, { name: "demo", request });
 * const summary = await runJob(store, job, template, { concurrency: 16 });
 * console.log(summary.counts);
 * ```
 */
export async function runJob(
  store: Store,
  job: JobRow,
  template: CompiledTemplate,
  options: RunJobOptions = {},
): Promise<RunSummary> {
  const {
    concurrency = 16,
    rate = DEFAULT_RATE,
    burst = 1,
    timeoutMs = 30_000,
    maxBodyBytes = 10_000_000,
    policy = {},
    keepAttempts = false,
    idempotencyHeader = "Idempotency-Key",
    userAgent = `sluice/${VERSION}`,
    leaseMs = 60_000,
    graceMs = 10_000,
    signal: stopSignal,
    env = (name: string) => Deno.env.get(name),
    fetch = globalThis.fetch,
    clock = systemClock,
    batchSize = 1000,
    flushMs = 200,
    maxRedirects = 10,
  } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `Cannot use concurrency as a positive integer: current value is '${concurrency}'`,
    );
  }
  const limiter = options.limiter ?? createRunLimiter(store, job, {
    rate,
    burst,
    clock,
    timeoutMs,
    ...(policy.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: policy.maxRetryAfterMs } : {}),
    ...options.pacing,
  });
  options.onLimiter?.(limiter);
  const deadline = jobDeadline(stopSignal, options.deadlineMs, clock);
  const signal = deadline.signal;
  const leases = new LeaseKeeper(store, job.id, { leaseMs, clock });
  const recovered = await leases.start();
  const initial = await store.counts(job.id);
  const stats = options.stats ?? new RunStats(initial, () => clock.now());
  stats.total = initial.total;
  stats.done = initial.done;
  stats.failed = initial.failed;
  stats.possiblySent = initial.possiblySent;

  const owner = leases.owner;
  let recoveredLater = 0;
  const hardStop = new AbortController();
  // Aborted at the stop request: items still waiting for a rate-limit grant are not sent.
  const noNewSends = new AbortController();
  // Made once: a combined signal per attempt costs more than an unpaced grant.
  const noGrant = AbortSignal.any([hardStop.signal, noNewSends.signal]);
  let stopping = signal?.aborted ?? false;
  let wake: (() => void) | undefined;
  // Set by a wake-up that came while the scheduler was not asleep (say, during
  // its readiness query), so that it does not then sleep through it.
  let woken = false;
  const wakeScheduler = () => {
    woken = true;
    wake?.();
  };
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onStop = () => {
    stopping = true;
    noNewSends.abort(new Error("stopping"));
    wakeScheduler();
    graceTimer = setTimeout(() => hardStop.abort(new Error("grace period over")), graceMs);
  };
  signal?.addEventListener("abort", onStop, { once: true });

  const writer = new ResultWriter(store, owner, job.id, {
    batchSize,
    flushMs,
    onFlush: wakeScheduler,
    onError: () => {
      stopping = true;
      noNewSends.abort(new Error("database write failed"));
      hardStop.abort(new Error("database write failed"));
      wakeScheduler();
    },
  });
  // Unpaced, items go as fast as slots free up: claim bigger pages, fewer statements.
  const pageSize = !options.limiter && rate.kind === "none"
    ? Math.min(1000, Math.max(256, concurrency * 8))
    : Math.max(16, Math.min(1000, concurrency * 2));
  const idempotencyPrefix = job.idemPrefix;

  let claimError: unknown;
  async function* readyItems(): AsyncGenerator<ClaimedItem> {
    try {
      yield* claimLoop();
    } catch (error) {
      // The pool would only report its tasks' errors: keep this one to rethrow.
      claimError = error;
      stopping = true;
      noNewSends.abort(error);
    }
  }

  async function* claimLoop(): AsyncGenerator<ClaimedItem> {
    while (!stopping) {
      woken = false;
      const now = clock.now();
      const page = await store.claim(job.id, owner, pageSize, now, now + leaseMs);
      if (page.length > 0) {
        for (const item of page) {
          if (stopping) return;
          yield item;
        }
        continue;
      }
      await writer.flush();
      const { pending, inflight, nextAt } = await store.readiness(job.id);
      if (pending === 0 && inflight === 0) return;
      // In-flight items: ours finish and wake us; another worker's may belong to
      // a process that died (or whose lease ran out) since this run started.
      if (inflight > 0) {
        const n = await leases.recover();
        recoveredLater += n;
        stats.possiblySent += n;
        if (n > 0) continue;
      }
      const wait = pending > 0 && nextAt !== undefined
        ? Math.min(1000, Math.max(5, nextAt - clock.now()))
        : Math.min(1000, leaseMs / 4);
      if (woken) continue;
      const nap = new AbortController();
      wake = () => nap.abort();
      await clock.sleep(wait, nap.signal).catch(() => {});
      wake = undefined;
    }
  }

  function update(item: ClaimedItem, fields: Partial<ItemUpdate>): ItemUpdate {
    return {
      id: item.id,
      status: "pending",
      attempts: item.attempts,
      throttled: item.throttled,
      nextAt: 0,
      lastStatus: null,
      lastError: null,
      possiblySent: 0,
      sent: 0,
      ...fields,
    };
  }

  /**
   * Commits an outcome before the pool slot takes new work, so that at most
   * `concurrency` answers are ever sent but not yet committed: a kill -9 then
   * re-sends no more than that. A failed write is reported once, by the writer.
   */
  async function record(outcome: ItemUpdate): Promise<void> {
    await writer.commit(outcome).catch(() => {});
  }

  let given: Set<string> | undefined;
  async function attempt(item: ClaimedItem): Promise<void> {
    let grant: number;
    try {
      grant = await limiter.acquire(noGrant);
    } catch {
      await record(update(item, {}));
      return;
    }
    let request: RenderedRequest;
    try {
      request = template.render(JSON.parse(item.vars), env);
    } catch (error) {
      const reason = `render: ${error instanceof Error ? error.message : String(error)}`;
      stats.failedUnsent(reason);
      limiter.forget(grant);
      await record(update(item, { status: "failed", lastError: reason }));
      return;
    }
    // Header names are case-insensitive: a template's own header wins over a default,
    // never merged with it into "theirs, ours". The template fixes the names: look once.
    given ??= new Set(Object.keys(request.headers).map((name) => name.toLowerCase()));
    if (!given.has("user-agent")) request.headers["user-agent"] = userAgent;
    if (idempotencyHeader && !given.has(idempotencyHeader.toLowerCase())) {
      request.headers[idempotencyHeader] = `${idempotencyPrefix}:${item.seq}`;
    }
    const result = await send(request, {
      timeoutMs,
      maxBodyBytes,
      signal: hardStop.signal,
      fetch,
      maxRedirects,
    });
    const now = clock.now();
    if (result.aborted) {
      await record(update(item, { possiblySent: 1 }));
      return;
    }
    limiter.observe(grant, { status: result.status, headers: result.headers, now });
    const outcome: Outcome = decideOutcome(result, item, policy, now);
    const error = outcome.kind === "done" ? undefined : outcome.reason;
    stats.attempt(result.status, result.durationMs, outcome.kind, error);
    const final = outcome.kind === "done" || outcome.kind === "failed";
    const response = final || keepAttempts
      ? {
        seq: item.seq,
        status: result.status ?? null,
        durationMs: Math.round(result.durationMs * 100) / 100,
        headers: selectHeaders(result.headers),
        body: result.body ?? null,
        url: result.url ?? null,
        error: error ?? null,
        at: now,
      }
      : undefined;
    const common = {
      lastStatus: result.status ?? null,
      lastError: error ?? null,
      sent: 1 as const,
    };
    switch (outcome.kind) {
      case "done":
      case "failed":
        await record(
          update(item, { ...common, status: outcome.kind, attempts: item.attempts + 1, response }),
        );
        break;
      case "retry":
        await record(update(item, {
          ...common,
          attempts: item.attempts + 1,
          nextAt: now + outcome.delayMs,
          response,
        }));
        break;
      case "throttled":
        limiter.pauseUntil(now + outcome.cooldownMs);
        await record(update(item, {
          ...common,
          throttled: item.throttled + 1,
          nextAt: now + outcome.cooldownMs,
          response,
        }));
        break;
    }
  }

  let failure: unknown;
  try {
    // Outcomes go to the writer; the pool's results carry nothing.
    await pooledEach(concurrency, readyItems(), attempt);
  } catch (error) {
    failure = error instanceof AggregateError && error.errors.length === 1
      ? error.errors[0]
      : error;
  } finally {
    signal?.removeEventListener("abort", onStop);
    clearTimeout(graceTimer);
    deadline.dispose();
  }
  try {
    await writer.close();
  } catch (error) {
    failure ??= error;
  }
  // The root cause first: a failed write or claim, not the tasks it broke.
  if (claimError) failure = claimError;
  if (writer.error) failure = writer.error;
  await leases.stop({ release: !writer.error }).catch((error) => failure ??= error);
  if (!options.limiter) await limiter.close().catch((error) => failure ??= error);
  if (failure) throw failure;
  return {
    job,
    counts: await store.counts(job.id),
    stats: stats.snapshot(),
    stopped: stopping,
    recovered: recovered + recoveredLater,
    limiter: limiter.report(),
    deadlineReached: deadline.reached,
  };
}
