/**
 * The slower reads of a job the dashboard makes once per page, and every few
 * seconds for the live updates (once for every connected page): counts by
 * state, failed items by class, and the workers.
 *
 * @module
 */
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { LastRun } from "../store/last_run.ts";
import type { JobCounts, JobRow, StatusView } from "../store/store.ts";
import { formatAgo, formatCount } from "./format.ts";

/** One worker as the workers table shows it. */
export interface WorkerView {
  /** Its id in the `workers` table. */
  id: string;
  /** The machine it runs on. */
  host: string;
  /** Its process id there. */
  pid: number;
  /** Items this worker finished in its current run (known for this process only). */
  done: string;
  /** Its share of the job's rate. */
  share: string;
  /** When it last renewed its leases, as `3s ago`. */
  heartbeat: string;
  /** True while its heartbeat is recent. */
  alive: boolean;
  /** True for the worker in this process. */
  here: boolean;
  /**
   * True for the row that is no worker: the items done by earlier runs and by
   * workers gone, so that the rows add up to the job's done.
   */
  rest?: boolean;
}

/** The slow-moving part of a job's figures. */
export interface JobReads {
  /** Items by state, as the database has them. */
  counts: JobCounts;
  /** Failed items by failure class (`http_5xx`, `timeout`…; see lib/run/failure_class.ts). */
  classes: Record<string, number>;
  /** Failed items by their last error, the most frequent first. */
  reasons: Record<string, number>;
  /**
   * Its workers, the latest heartbeat first; last, when the workers' counts
   * fall short of the job's done, a `rest` row with the difference.
   */
  workers: WorkerView[];
}

/** Options for {@linkcode readJob}. */
export interface ReadJobOptions {
  /** The statistics of the run in this process, when it runs this job. @default undefined */
  here?: StatsSnapshot | undefined;
  /** The time now. */
  now: number;
  /** A worker whose heartbeat is older is shown as gone. @default 60_000 */
  staleMs?: number;
  /** This process's id, to find its own worker. @default Deno.pid */
  pid?: number;
  /**
   * Counts read a little earlier, used instead of counting again (counting
   * reads every item of the job). @default undefined (counted now)
   */
  counts?: JobCounts | undefined;
}

/**
 * Reads a job's counts, failure classes and workers.
 *
 * @example Usage
 * ```ts
 * import { readJob } from "./job_reads.ts";
 * import { openStore } from "../store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "http://x/" }, options: {}, now: 0 });
 * await store.workers.heartbeat({ id: "w1", jobId: job.id, host: "box", pid: 7 }, 1_000);
 * const reads = await readJob(store, job.id, { now: 4_000, pid: 7 });
 * assert.equal(reads.counts.total, 0);
 * assert.deepEqual(reads.workers.map((w) => [w.host, w.heartbeat, w.here, w.share]), [["box", "3s ago", true, "100%"]]);
 * store.close();
 * ```
 */
export async function readJob(
  store: StatusView,
  jobId: number,
  options: ReadJobOptions,
): Promise<JobReads> {
  const { here, now, staleMs = 60_000, pid = Deno.pid, counts: earlier } = options;
  const [counts, classes, reasons, rows] = await Promise.all([
    earlier ?? store.queue.counts(jobId),
    store.reports.failedByClass(jobId),
    store.reports.failureReasons(jobId),
    store.workers.progress(jobId),
  ]);
  const alive = rows.filter((w) => now - w.heartbeat <= staleMs);
  const workers = rows.sort((a, b) => b.heartbeat - a.heartbeat).map((w): WorkerView => {
    const isHere = w.pid === pid && alive.includes(w);
    const share = w.rateShare;
    // This process's own count is live; the others' as of their last heartbeat.
    const done = isHere && here?.outcomes ? here.outcomes.done : w.done;
    return {
      id: w.id,
      host: w.host,
      pid: w.pid,
      done: done === undefined ? "—" : formatCount(done),
      // Without a recorded share, one live worker paces at the whole rate.
      share: share !== undefined
        ? `${Number((share * 100).toFixed(1))}%`
        : alive.length === 1 && alive[0] === w
        ? "100%"
        : "—",
      heartbeat: formatAgo(w.heartbeat, now),
      alive: alive.includes(w),
      here: isHere,
    };
  });
  // The job's done as the page shows it: the run's own count here, else the database's.
  let rest = here ? here.done : counts.done;
  for (const w of rows) {
    const isHere = w.pid === pid && alive.includes(w);
    rest -= (isHere && here?.outcomes ? here.outcomes.done : w.done) ?? 0;
  }
  if (rest > 0) {
    workers.push({
      id: "",
      host: "earlier runs and workers gone",
      pid: 0,
      done: formatCount(rest),
      share: "",
      heartbeat: "",
      alive: false,
      here: false,
      rest: true,
    });
  }
  return { counts, classes, reasons, workers };
}

/**
 * The last run to show for a job: its saved summary, unless a worker of the
 * job is alive (a run goes on elsewhere, and the summary is an older run's).
 *
 * @example Usage
 * ```ts
 * import { lastRunShown } from "./job_reads.ts";
 * import assert from "node:assert/strict";
 * assert.equal(lastRunShown({}, { workers: [] }), undefined);
 * ```
 */
export function lastRunShown(
  job: Pick<JobRow, "lastRun">,
  reads: Pick<JobReads, "workers">,
): LastRun | undefined {
  return reads.workers.some((w) => w.alive && !w.rest) ? undefined : job.lastRun;
}
