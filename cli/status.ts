/**
 * `sluice status`: each job's counts, by state and by failure reason, why its
 * unfinished items wait, its workers and its last run.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { openExisting } from "./open_existing.ts";
import { pickJobs } from "./pick_jobs.ts";
import { optionsView, shownSettings } from "../lib/run/saved_settings.ts";
import { unfinishedRebuild } from "../lib/process/rebuild_tables.ts";
import { skippedRowsLines } from "./import_warnings.ts";
import type { Store } from "../lib/store/store.ts";
import { lastRunLines, waitingLines } from "./why_waiting.ts";

/** Flags of `sluice status`. */
export interface StatusFlags {
  /** The database's URL. */
  db: string;
  /** Only this job. @default every job */
  job?: string;
  /** Print JSON instead of lines of text. @default false */
  json?: boolean;
}

/**
 * Prints each job's counts, by state and by failure reason.
 *
 * @example Usage
 * ```ts
 * import { statusCommand } from "./status.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const io = { log: (line: string) => lines.push(line), error: () => {} };
 * assert.equal(await statusCommand({ db: ":memory:" }, io), 0);
 * assert.deepEqual(lines, ["No jobs in :memory:"]);
 * ```
 */
export async function statusCommand(flags: StatusFlags, io: Console): Promise<number> {
  const store = await openExisting(flags.db);
  try {
    const jobs = [];
    for (const job of await pickJobs(store, flags.job)) {
      const counts = await store.queue.counts(job.id);
      const failures = await store.reports.failureReasons(job.id);
      const failureClasses = await store.reports.failureClasses(job.id);
      const workers = await store.workers.progress(job.id);
      const waiting = await store.reports.waitingItems(job.id);
      // A job with pages: queries and pages told apart, each failed query with its page.
      const paged = counts.queries !== counts.total || job.options.next !== undefined;
      const pages = paged
        ? {
          pageEnds: await store.reports.pageEnds(job.id),
          failedPages: (await store.reports.failedItems(job.id, { limit: 20 })).map((f) => ({
            key: f.key,
            page: f.page,
            error: f.lastError ?? `http ${f.lastStatus}`,
          })),
        }
        : undefined;
      jobs.push({
        name: job.name,
        created: new Date(job.created).toISOString(),
        url: job.request.url,
        options: optionsView(job.options),
        settings: shownSettings(job.options),
        ...counts,
        failureClasses,
        failures,
        waiting,
        cooldown: job.cooldown,
        unfinishedRebuild: unfinishedRebuild(job, flags.db),
        lastRun: job.lastRun,
        workers: workers.map((w) => ({ ...w, heartbeat: new Date(w.heartbeat).toISOString() })),
        skippedRows: await skippedRows(store, job.id),
        ...pages,
      });
    }
    if (flags.json) {
      io.log(JSON.stringify({ db: flags.db, jobs }, null, 2));
      return EXIT.ok;
    }
    if (jobs.length === 0) io.log(`No jobs in ${flags.db}`);
    const now = Date.now();
    for (const j of jobs) {
      const done = j.failedPages
        ? `${j.queriesDone}/${j.queries} queries done (${j.done + j.failed} pages fetched)`
        : `${j.done}/${j.total} done`;
      io.log(
        `${j.name}: ${done}, ${j.failed} failed, ${j.pending} pending, ` +
          `${j.inflight} claimed` +
          (j.possiblySent ? `, ${j.possiblySent} possibly sent twice` : "") + `  (${j.url})`,
      );
      if (j.failedPages?.length) {
        const shown = j.failedPages.slice(0, 5).map((f) =>
          `${JSON.stringify(f.key)} page ${f.page} (${f.error})`
        );
        io.log(
          `  failed queries, at their page: ${shown.join(", ")}` +
            (j.failed > shown.length ? ", ..." : ""),
        );
      }
      const ends = Object.entries(j.pageEnds ?? {});
      if (ends.length > 0) {
        io.log(
          `  pages ended early: ${
            ends.map(([why, n]) => `${n} ${PAGE_ENDS[why] ?? why}`).join(", ")
          }`,
        );
      }
      const classes = Object.entries(j.failureClasses);
      if (classes.length > 0) {
        io.log(`  failed by last error: ${classes.map(([c, n]) => `${c} ${n}`).join(", ")}`);
      }
      if (j.unfinishedRebuild) io.log(`  ${j.unfinishedRebuild}`);
      for (const [reason, n] of Object.entries(j.failures)) io.log(`  ${n} × ${reason}`);
      for (const line of waitingLines(j, j.waiting, j, now)) io.log(line);
      for (const w of j.workers) io.log(`  worker ${describeWorker(w, now)}`);
      if (j.settings.length > 0) io.log(`  settings: ${j.settings.join(" ")}`);
      for (const change of settingsChanged(j.options)) io.log(`  changed ${change}`);
      const { count, first } = j.skippedRows;
      for (const line of skippedRowsLines(count, first, SKIPPED_ROWS_SQL)) io.log(`  ${line}`);
      const found = j.options.discoveredRate as
        | { rate?: number; ceiling?: number; at?: string }
        | undefined;
      if (found?.rate) {
        io.log(
          `  auto rate: ${found.rate}/s` +
            (found.ceiling ? ` (429s from ${found.ceiling}/s)` : "") +
            (found.at ? `, as of ${found.at}` : ""),
        );
      }
      if (j.lastRun) { for (const line of lastRunLines(j.lastRun)) io.log(line); }
    }
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/** What a page's `page_end` says, after a count of queries. */
const PAGE_ENDS: Record<string, string> = {
  loop: "at a next page seen before (a loop)",
  max_pages: "at --max-pages",
};

/** One worker for the text output: `host pid 123: 40 done, 33.3% of the rate, heartbeat 0.4 s ago`. */
function describeWorker(
  w: { host: string; pid: number; done?: number; rateShare?: number; heartbeat: string },
  now: number,
): string {
  const ago = Math.max(0, (now - Date.parse(w.heartbeat)) / 1000);
  return `${w.host} pid ${w.pid}: ${w.done ?? 0} done, ` +
    (w.rateShare === undefined ? "" : `${Number((w.rateShare * 100).toFixed(1))}% of the rate, `) +
    `heartbeat ${ago < 10 ? ago.toFixed(1) : Math.round(ago)} s ago`;
}

/** The settings changes a job recorded, one line each: `at 2025-…: --concurrency: 4 → 8`. */
function settingsChanged(options: Record<string, unknown>): string[] {
  const history = Array.isArray(options.settingsChanged) ? options.settingsChanged : [];
  return history.flatMap((entry: { at?: string; changes?: string[] }) =>
    (entry.changes ?? []).map((change) => `at ${entry.at ?? "?"}: ${change}`)
  );
}

/** Rows of the job's input that its imports skipped (`--skip-bad-rows`) listed by status. */
const SKIPPED_ROWS_SHOWN = 20;
const SKIPPED_ROWS_SQL = `sluice sql "SELECT * FROM skipped_rows" lists them all`;

/** The rows the job's imports skipped: how many, and the first ones with file and line. */
async function skippedRows(store: Store, jobId: number) {
  const count = await store.skippedRows.count(jobId);
  const first = count === 0 ? [] : await store.skippedRows.list(jobId, SKIPPED_ROWS_SHOWN);
  return { count, first };
}
