/**
 * Runs a job as stages: the scheduler claims ready items page by page, a
 * bounded pool makes one attempt per item through the rate limiter, and the
 * result writer commits every outcome; one control object holds the stop
 * state and decides which error the run ends with. A failed attempt goes
 * back to the queue with a future `next_at`; no pool slot ever sleeps
 * through a backoff.
 *
 * @module
 */
import { pooledEach } from "./pool.ts";
import type { RunSettings } from "./run_settings.ts";
import type { RunHooks } from "./run_hooks.ts";
import { planRun, type RunPlan } from "./run_plan.ts";
import { ResultWriter } from "./result_writer.ts";
import { RunStats, type StatsSnapshot } from "./run_stats.ts";
import type { ClaimedItem, JobCounts, JobRow, Store } from "../store/store.ts";
import type { CompiledTemplate } from "../job/template.ts";
import { LeaseKeeper } from "./lease_keeper.ts";
import { jobDeadline } from "./job_deadline.ts";
import type { LimiterReport, RateLimiter } from "../rate/rate_limiter.ts";
import { createRunLimiter, type RunLimiterOptions } from "../rate/create_run_limiter.ts";
import { createAttempt } from "./attempt.ts";
import { prepareProcessing, type Processing } from "../process/processing.ts";
import { compileCost } from "../job/item_cost.ts";
import { compileUsage } from "./answer_usage.ts";
import { checkCostUnits } from "./check_cost.ts";
import { itemResult } from "./item_result.ts";
import { RunControl } from "./run_control.ts";
import { claimPageSize, Scheduler } from "./scheduler.ts";
import { checkPages } from "./check_pages.ts";
import { Pager } from "./pager.ts";

/**
 * Options for {@linkcode runJob}: the run's settings (each with its flag and
 * default in the table of run_settings.ts), its hooks, and what sluice's own
 * commands wire in (a limiter, statistics, processing prepared already).
 */
export interface RunJobOptions extends Partial<RunSettings>, RunHooks {
  /** A limiter to use instead of one built from the settings. @default {undefined} */
  limiter?: RateLimiter;
  /** Statistics to fill; read them for progress while the run goes on. @default {a new RunStats} */
  stats?: RunStats;
  /**
   * Called with the run's limiter once built, e.g. so a dashboard can pause
   * it or change its rate.
   *
   * @default {undefined}
   */
  onLimiter?: (limiter: RateLimiter) => void;
  /**
   * Where `--rate auto` starts, what a long window's budget is counted under,
   * and the backoff of the job's cooldown after 429s and 503s without Retry-After.
   *
   * @default {}
   */
  pacing?: Pick<RunLimiterOptions, "adaptive" | "budgetScope" | "cooldown">;
  /**
   * The job's processing, prepared already (by `prepareProcessing`, which
   * checks it against the database): `schema`, `into` and `processor` are
   * then not read again.
   *
   * @default {prepared from schema, into and processor}
   */
  processing?: Processing;
}

/** `--cost` and `--usage` compiled for the attempts. */
function costAndUsage(options: Pick<RunJobOptions, "cost" | "usage">) {
  const cost = options.cost === undefined ? undefined : compileCost(options.cost);
  const usage = options.usage === undefined ? undefined : compileUsage(options.usage);
  return {
    ...(cost ? { cost: (vars: Record<string, unknown>) => cost.of(vars) } : {}),
    ...(usage ? { usage: usage.of } : {}),
  };
}

/** The pager of a run with `next` (or `always`, when nothing else names a next page). */
function pagerOf(pages: RunPlan["pages"], always: boolean): Pager | undefined {
  if (pages.next === undefined && !always) return undefined;
  return new Pager(pages.next ?? (() => undefined), {
    maxPages: pages.maxPages,
    crossOrigin: pages.nextCrossOrigin,
  });
}

/** What a run did. */
export interface RunSummary {
  /** The job as it stands after the run. */
  job: JobRow;
  /** The job's items by state after the run. */
  counts: JobCounts;
  /** The run's statistics. */
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

/** The repositories a run uses. */
export type RunStore = Pick<
  Store,
  "queue" | "results" | "leases" | "workers" | "budget" | "tables"
>;

/**
 * Runs the job until no item is pending or in flight, or until stopped.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { prepareJob } from "../job/prepare_job.ts";
 * import { compileTemplate } from "../job/template.ts";
 * import { runJob } from "./run_job.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const request = { url: "http://api.test/search?q={{q}}" };
 * const template = compileTemplate(request);
 * async function* queries() {
 *   yield { vars: { q: "a" }, line: 1 };
 * }
 * const input = { file: "q.jsonl", format: "jsonl" as const, settings: {}, queries: queries() };
 * const { job } = await prepareJob(store, template, { name: "demo", input, request });
 * const bodies: (string | Uint8Array | null)[] = [];
 * const summary = await runJob(store, job, template, {
 *   rate: { kind: "none" },
 *   fetch: (url) => Promise.resolve(new Response(`answer to ${new URL(String(url)).search}`)),
 *   onResult: (result) => void bodies.push(result.body),
 * });
 * assert.equal(summary.counts.done, 1);
 * assert.deepEqual(bodies, ["answer to ?q=a"]);
 * store.close();
 * ```
 */
export async function runJob(
  store: RunStore,
  job: JobRow,
  template: CompiledTemplate,
  options: RunJobOptions = {},
): Promise<RunSummary> {
  const plan = planRun(options);
  const { clock } = plan;
  const { onResult } = options;
  const { concurrency, batchSize } = plan.pool;
  const { leaseMs, graceMs } = plan.lease;
  // Checked (a cost unit nothing paces, bad SQL, a processor that does not load,
  // a bad --next: InputError) before anything is sent.
  checkCostUnits(plan.pacing.rate, options.cost, options.usage);
  checkPages(template, options);
  const processing = options.processing ??
    await prepareProcessing(store.tables, job.name, plan.processing);
  await processing?.applySchema();
  const limiter = options.limiter ?? createRunLimiter(store.budget, job, plan.pacing);
  options.onLimiter?.(limiter);
  const deadline = jobDeadline(options.signal, plan.lease.deadlineMs, clock);
  const leases = new LeaseKeeper(store, job.id, { leaseMs, clock, limiter });
  const recovered = await leases.start();
  const initial = await store.queue.counts(job.id);
  // A job that has pages already is sent as one, with or without --next now; a
  // processor may name a next page (its rows' `next`) without --next.
  const pager = pagerOf(
    plan.pages,
    initial.queries! < initial.total || processing?.hasProcessor === true,
  );
  const stats = options.stats ?? new RunStats(initial, () => clock.now());
  stats.resume(initial, plan.pages.next !== undefined || initial.queries! < initial.total);
  leases.countDone(() => stats.done - initial.done);

  const control = new RunControl({
    signal: deadline.signal,
    graceMs,
    stopNow: options.stopNow,
    clock,
  });
  const writer = new ResultWriter(store.results, leases.owner, job.id, {
    batchSize,
    confirm: onResult !== undefined,
    onFlush: () => scheduler.wake(),
    onError: (error) => control.fail("write", error),
    ...(processing ? { processing } : {}),
    // A processor that hangs past the grace period does not hang the stop.
    signal: control.signal,
    now: () => clock.now(),
    // Its next page is not added: the query fails at this page.
    onProcessFailed: (update) => stats.processFailed(update.lastError ?? "process", update),
  });
  const scheduler = new Scheduler({
    queue: store.queue,
    jobId: job.id,
    owner: leases.owner,
    pageSize: claimPageSize(concurrency, !options.limiter && plan.pacing.rate.kind === "none"),
    leaseMs,
    clock,
    control,
    flush: () => writer.flush(),
    recover: () => leases.recover(),
    onRecovered: (n) => stats.recovered(n),
    pages: pager !== undefined,
  });
  const attempt = createAttempt({
    ...plan.http,
    template,
    limiter,
    stats,
    idempotencyPrefix: job.idemPrefix,
    policy: plan.retry,
    clock,
    grantSignal: control.grantSignal,
    signal: control.signal,
    ...costAndUsage(options),
    ...(pager ? { pager } : {}),
    // A processor may name a page's next page: its rows are made as the page is answered.
    ...(pager && processing?.hasProcessor
      ? { annotate: (update, item) => processing.annotate(update, item, control.signal) }
      : {}),
  });
  // Each outcome is committed before its pool slot takes new work, so that at
  // most `concurrency` answers are ever sent but not yet committed: a kill -9
  // then re-sends no more than that. A failed write is reported once, by the writer.
  const work = onResult
    ? async (item: ClaimedItem) => {
      const update = await attempt(item);
      const written = await writer.commit(update, item).catch(() => undefined);
      if (written?.finished?.has(update.id)) await onResult(itemResult(item, update));
    }
    : async (item: ClaimedItem) => {
      await writer.commit(await attempt(item), item).catch(() => {});
    };
  // A bug in an attempt (or an onResult that throws) stops the run at once: nothing new starts.
  const slot = (item: ClaimedItem) =>
    work(item).catch((error) => {
      control.fail("task", error);
      throw error;
    });

  try {
    await pooledEach(concurrency, scheduler.items(), slot);
  } catch (error) {
    control.fail(
      "task",
      error instanceof AggregateError && error.errors.length === 1 ? error.errors[0] : error,
    );
  } finally {
    control.dispose();
    deadline.dispose();
  }
  await writer.close().catch((error) => control.fail("cleanup", error));
  // After a failed write the items in flight stay leased: their answers may have been sent.
  await leases.stop({ release: !control.writeFailed })
    .catch((error) => control.fail("cleanup", error));
  if (!options.limiter) await limiter.close().catch((error) => control.fail("cleanup", error));
  if (control.failure !== undefined) throw control.failure;
  return {
    job,
    counts: await store.queue.counts(job.id),
    stats: stats.snapshot(),
    stopped: control.stopping,
    recovered: recovered + scheduler.recovered + leases.recoveredByHeartbeat,
    limiter: limiter.report(),
    deadlineReached: deadline.reached,
  };
}
