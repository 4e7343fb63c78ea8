/**
 * `sluice process`: processes the answers a job has stored already into the
 * user's tables again (`--into` fixed, a new `--processor`...), sending
 * nothing, page by page in transactions.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { openExisting } from "./open_existing.ts";
import { pickOneJob } from "./pick_jobs.ts";
import { processingConfig, type ProcessingFlags } from "./processing_config.ts";
import { InputError } from "../lib/errors.ts";
import { prepareProcessing, type Processing } from "../lib/process/processing.ts";
import {
  rebuildingJob,
  rebuildingStatus,
  unfinishedRebuild,
} from "../lib/process/rebuild_tables.ts";
import { processStored } from "../lib/process/process_stored.ts";
import type { JobRow, Store } from "../lib/store/store.ts";

/** Flags of `sluice process`. */
export interface ProcessFlags extends ProcessingFlags {
  /** The database's URL. */
  db: string;
  /** The job. @default the only job */
  job?: string;
  /** No progress lines. @default false */
  quiet?: boolean;
  /**
   * Drop the job's tables (those its `--schema` or processor creates), make
   * them again as it says now, and derive every row again. @default false
   */
  rebuild?: boolean;
}

/** Options for {@linkcode processCommand}. */
export interface ProcessCommandOptions {
  /** Source of time, for progress lines. @default Date.now */
  now?: () => number;
}

/** How often a progress line is printed. */
const PROGRESS_EVERY_MS = 2000;

/**
 * Processes a job's stored 2xx answers again with the `--schema`, `--into`
 * or `--processor` given (or the job's own); they are saved with the job.
 * With `--rebuild`, the tables they create are dropped and made again first
 * (in one transaction); a stop or crash midway leaves the job marked, so
 * that `status` says so and `run` and `process` refuse until a second
 * `--rebuild` makes the tables whole.
 * Resolves to the exit code: 1 when some answers failed processing, 130 when
 * stopped.
 *
 * @throws {InputError} For no such database or job, nothing to process
 * with, bad SQL or a processor that does not load.
 *
 * @example Usage
 * ```ts
 * import { processCommand } from "./process.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * const io = { log: () => {}, error: () => {} };
 * const stop = new AbortController().signal;
 * await assert.rejects(processCommand({ db: "file:/nonexistent/x.db" }, io, stop), InputError);
 * ```
 */
export async function processCommand(
  flags: ProcessFlags,
  io: Console,
  stop: AbortSignal,
  options: ProcessCommandOptions = {},
): Promise<number> {
  const { now = Date.now } = options;
  const store = await openExisting(flags.db);
  try {
    const job = await pickOneJob(store, flags.job);
    // Tables a rebuild dropped and did not fill again: only a rebuild makes them whole.
    // (A rebuild of another job's, sharing them: only that job's makes them as they were.)
    const unfinished = unfinishedRebuild(job, flags.db);
    if (unfinished && !(flags.rebuild && rebuildingJob(job.status) === job.name)) {
      throw new InputError(unfinished);
    }
    const config = processingConfig(flags, {}, job.options);
    if (config.options.into === undefined && config.options.processor === undefined) {
      throw new InputError(
        `Job "${job.name}" has nothing to process its answers with: pass --into SQL or ` +
          `--processor FILE (and --schema SQL to create the tables)`,
      );
    }
    const processing = await prepareProcessing(store.tables, job.name, {
      ...config.options,
      rebuild: flags.rebuild ?? false,
    });
    // Other jobs' rows in the tables the rebuild drops: derived again after, by their own processing.
    const sharing = flags.rebuild ? await jobsSharingTables(store, job, processing!, io) : [];
    // Saved with the job: the next `run` (a resume) processes the same way.
    const { schema: _s, into: _i, processor: _p, ...others } = job.options;
    // Marked before the drop, cleared once every row is back: a kill midway is not missed.
    const status = flags.rebuild ? rebuildingStatus(job.name) : job.status;
    await store.jobs.update(job.id, { options: { ...others, ...config.saved }, status }, now());
    for (const other of sharing) await store.jobs.update(other.job.id, { status }, now());
    await processing!.applySchema();
    const total = await store.tables.countStoredAnswers(job.id);
    if (!flags.quiet) {
      const rebuilt = flags.rebuild ? "tables made again; " : "";
      io.error(
        `sluice: ${rebuilt}processing ${total} stored answers of job "${job.name}"; nothing is sent`,
      );
    }
    let shown = now();
    const summary = await processStored(store, job.id, processing!, {
      signal: stop,
      now,
      onProgress: (p) => {
        if (flags.quiet || now() - shown < PROGRESS_EVERY_MS) return;
        shown = now();
        io.error(`sluice: ${p.processed}/${p.total} processed, ${p.failed} failed`);
      },
    });
    io.error(
      `sluice: ${summary.processed} answers processed: ${summary.processed - summary.failed} ` +
        `into the tables, ${summary.failed} failed (class process)`,
    );
    for (const [reason, n] of summary.reasons.slice(0, 5)) io.error(`  ${n} × ${reason}`);
    let failed = summary.failed;
    let stopped = summary.stopped;
    for (const other of sharing) {
      if (stopped) break;
      io.error(
        `sluice: ${other.tables.map((t) => `"${t}"`).join(", ")} also holds the rows of job ` +
          `"${other.job.name}": processing its stored answers again, as that job does`,
      );
      await other.processing.applySchema();
      const again = await processStored(store, other.job.id, other.processing, {
        signal: stop,
        now,
      });
      io.error(
        `sluice: ${again.processed} answers of job "${other.job.name}" processed: ` +
          `${
            again.processed - again.failed
          } into the tables, ${again.failed} failed (class process)`,
      );
      failed += again.failed;
      stopped = again.stopped;
    }
    if (stopped) {
      const left = summary.stopped
        ? `${summary.total - summary.processed} answers left unprocessed`
        : "other jobs' answers left unprocessed";
      // After --rebuild the tables were made again: until the command is run again they lack rows.
      const lacking = flags.rebuild ? ", and the tables made again lack their rows until then" : "";
      io.error(`sluice: stopped; ${left}: run the same command again to process them${lacking}`);
      return EXIT.interrupted;
    }
    if (flags.rebuild) await rebuildFinished(store, job.name, now());
    return failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    store.close();
  }
}

/**
 * Clears the mark of job `rebuilt`'s rebuild from every job that has it (its
 * own, and those sharing its tables, even one no longer sharing them).
 */
async function rebuildFinished(store: Store, rebuilt: string, now: number): Promise<void> {
  for (const job of await store.jobs.list()) {
    // "created": the status every job starts with.
    if (rebuildingJob(job.status) === rebuilt) {
      await store.jobs.update(job.id, { status: "created" }, now);
    }
  }
}

/** Another job whose processing makes some of the tables a rebuild drops. */
interface SharingJob {
  job: JobRow;
  processing: Processing;
  tables: string[];
}

/**
 * The other jobs of the database whose saved `--schema` or processor makes a
 * table `processing` makes: a rebuild drops their rows too. A job whose
 * processing no longer loads (a processor file gone) is named in a warning.
 */
async function jobsSharingTables(
  store: Store,
  job: JobRow,
  processing: Processing,
  io: Console,
): Promise<SharingJob[]> {
  const made = new Set(processing.tablesMade);
  const sharing: SharingJob[] = [];
  for (const other of await store.jobs.list()) {
    if (other.id === job.id) continue;
    try {
      const theirs = await prepareProcessing(
        store.tables,
        other.name,
        processingConfig({}, {}, other.options).options,
      );
      const tables = theirs?.tablesMade.filter((t) => made.has(t)) ?? [];
      if (theirs && tables.length > 0) sharing.push({ job: other, processing: theirs, tables });
    } catch (error) {
      io.error(
        `sluice: warning: job "${other.name}"'s processing does not load, so its rows in the ` +
          `tables made again are not derived again: ${(error as Error).message}`,
      );
    }
  }
  return sharing;
}
