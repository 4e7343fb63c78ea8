/**
 * `sluice run`: open the input, resolve the configuration, import, run with
 * progress, print the summary. Returns an exit code; the process itself is
 * left to main.ts.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { dbFilePath } from "./db_url.ts";
import { EXIT } from "./exit_code.ts";
import { LimitTally } from "./limit_tally.ts";
import { type CliLiveRun, liveRun } from "./live_run.ts";
import { importWarnings, skippedRowsLines } from "./import_warnings.ts";
import type { InputFlags } from "./input_options.ts";
import { openQueries } from "./open_queries.ts";
import { printSummary } from "./print_summary.ts";
import { unitFigures, unitsShort } from "../lib/dashboard/unit_view.ts";
import { startProgress } from "./progress.ts";
import { recordHistory } from "./record_history.ts";
import { resolveRequest, type RunFlags } from "./run_config.ts";
import { runReport } from "./run_report.ts";
import type { Serve } from "./serve.ts";
import { commandLine } from "./shell_quote.ts";
import { startDashboard } from "./start_dashboard.ts";
import { InputError } from "../lib/errors.ts";
import { inputIdentity } from "../lib/job/input_identity.ts";
import type { PreparedJob } from "../lib/job/prepare_job.ts";
import { formatBurst, formatRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import { assembleRun, type CheckedRun } from "../lib/run/assemble_run.ts";
import { RunStats } from "../lib/run/run_stats.ts";

/** Flags of `sluice run`. */
export interface RunCommandFlags extends RunFlags, InputFlags {
  /** The database's URL. */
  db: string;
  /** The job's name. @default the input's base name */
  job?: string;
  /** The input's format. @default "auto" (from the file name) */
  format?: "auto" | "json" | "jsonl" | "csv";
  /** Add a different input's queries to an existing job. @default false */
  append?: boolean;
  /** No progress line. @default false */
  quiet?: boolean;
  /** Serve the dashboard while running: `true` for the default port, or a port. @default false */
  dashboard?: string | boolean;
  /** The dashboard's address. @default "127.0.0.1" */
  host?: string;
  /** The dashboard's token. @default a random one */
  token?: string;
  /** Resume even though the request differs from the job's; the change is recorded. @default false */
  replaceRequest?: boolean;
  /** Start this many worker processes instead (cli/workers.ts): a number or `auto`. @default undefined */
  workers?: string;
  /** This process is a worker started by `--workers`. @default false */
  workerChild?: boolean;
}

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** Serves the dashboard (`--dashboard`). @default undefined (no dashboard) */
  serve?: Serve;
  /** How the user runs sluice, for the resume command printed. @default "sluice" */
  command?: string;
  /** Aborted on a second stop signal: requests in flight are abandoned now. @default undefined */
  stopNow?: AbortSignal;
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a job from the command line: imports the input (or resumes the job),
 * sends, and prints the summary. Resolves to the exit code.
 *
 * @throws {InputError} For bad input or flags; a database this run created is removed.
 *
 * @example Usage
 * ```ts
 * import { runCommand } from "./run.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * const io = { log: () => {}, error: () => {} };
 * const stop = new AbortController().signal;
 * await assert.rejects(runCommand(undefined, { db: ":memory:" }, io, stop), InputError);
 * ```
 */
export async function runCommand(
  input: string | undefined,
  flags: RunCommandFlags,
  io: Console,
  stop: AbortSignal,
  options: RunCommandOptions = {},
): Promise<number> {
  const { serve, command = "sluice", stopNow } = options;
  const source = input === undefined ? undefined : await openQueries(input, flags);
  // A database this run creates is removed again if the input turns out bad.
  const dbPath = dbFilePath(flags.db);
  const created = dbPath !== undefined && !(await fileExists(dbPath));
  // runJob fills in the counts once it has taken back a dead run's items: counting
  // here too would cost a second scan of the items before the first request.
  const stats = new RunStats({ total: 0, done: 0, failed: 0 });
  let limiter: RateLimiter | undefined;
  const limits = new LimitTally(() => limiter);
  let live: CliLiveRun | undefined;
  const dashboard = new AbortController();
  const stopWatching: (() => void | Promise<void>)[] = [];
  let stopHistory: (() => Promise<void>) | undefined;
  try {
    const { summary, prepared } = await assembleRun({
      db: flags.db,
      ...(flags.job !== undefined ? { job: flags.job } : {}),
      ...(source ? { source, inputId: await inputIdentity(source.file) } : {}),
      append: flags.append ?? false,
      request: (base) => resolveRequest(flags, base),
      settings: [{ from: "flag", values: flags }],
      replaceRequest: flags.replaceRequest ?? false,
      stats,
      signal: stop,
      ...(stopNow ? { stopNow } : {}),
      onChecked: (run) => {
        live = liveRun(run.name, stats, () => limiter, run.settings.values.concurrency);
        // First, before any timer starts: a port in use stops the run here, nothing sent.
        if (flags.dashboard && serve) {
          startDashboard(
            run.store,
            {
              ...(typeof flags.dashboard === "string" ? { port: flags.dashboard } : {}),
              portFlag: "--dashboard PORT",
              ...(flags.host ? { host: flags.host } : {}),
              ...(flags.token ? { token: flags.token } : {}),
            },
            serve,
            dashboard.signal,
            io,
            live,
          );
        }
      },
      onPrepared: (prepared, run) => {
        describeStart(prepared, run, source?.file ?? "-", io);
        stopWatching.push(limits.watch());
        if (!flags.quiet) {
          stopWatching.push(startProgress(() => stats.snapshot(), {
            limit: () => stop.aborted ? "stopping: in-flight requests finish" : limits.now(),
            units: () => limiter && unitsShort(unitFigures(limiter, Date.now())),
          }));
        }
        const history = recordHistory(run.store, prepared.job.id, live!);
        stopHistory = () => history.stop();
        stopWatching.push(() => history.stop());
      },
      onLimiter: (l) => {
        limiter = l;
        live?.attach(l);
        limits.sample(); // the tally's time starts with the limiter, even for a short run
      },
      // The run explains itself afterwards too: status and the dashboard show this. Its
      // last history point is saved first, while the database is still open.
      onSummary: async (summary, prepared, run) => {
        await stopHistory?.();
        limits.sample();
        const { rate, burst, concurrency } = run.settings.values;
        await run.store.jobs.saveLastRun(
          prepared.job.id,
          runReport(summary, {
            pace: limits.entries(),
            rate: formatRate(rate),
            burst: formatBurst(burst),
            concurrency,
            ...(limiter ? { units: unitFigures(limiter, Date.now()) } : {}),
          }),
        );
      },
    }).finally(async () => {
      for (const stopOne of stopWatching) await stopOne();
      dashboard.abort();
    });
    printSummary(summary, io, {
      pace: limits.summary(),
      units: limiter && unitFigures(limiter, Date.now()),
    });
    // The rows this run's import skipped, listed again where the run ends.
    const { count, first } = prepared.badRows;
    const skipped = first.map((row) => ({ ...row, file: source?.file ?? "-" }));
    for (const line of skippedRowsLines(count, skipped)) io.error(`  ${line}`);
    if (summary.stopped) {
      // The job holds its input, request and settings: it resumes from the database alone.
      const again = commandLine(command, ["run", "--db", flags.db, "--job", prepared.job.name]);
      io.error(
        `sluice: ${summary.deadlineReached ? "deadline reached" : "stopped"}; ` +
          `${summary.counts.pending} items left. Resume with: ${again}`,
      );
      return EXIT.interrupted;
    }
    return summary.counts.failed > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (created && dbPath && error instanceof InputError) {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(dbPath + suffix).catch(() => {});
    }
    throw error;
  }
}

/** The run's first line: the job, what was imported, the request, the pace; then the import's warnings. */
function describeStart(prepared: PreparedJob, run: CheckedRun, file: string, io: Console): void {
  const { name, request, settings } = run;
  const rate = formatRate(settings.values.rate);
  const pacing = settings.sources.rate === "default"
    ? `${rate} (the polite default; --rate to change, --rate none for no pacing)`
    : rate;
  const what = prepared.resumed
    ? `resuming job "${name}"${prepared.imported ? ` (+${prepared.imported} new items)` : ""}`
    : `job "${name}": ${prepared.imported} items imported` +
      (prepared.read > prepared.imported
        ? ` (${prepared.read - prepared.imported} duplicate keys skipped)`
        : "");
  io.error(
    `sluice: ${what}; ${request.method ?? (request.body ? "POST" : "GET")} ${request.url}; ` +
      `rate ${pacing}; concurrency ${settings.values.concurrency}`,
  );
  for (const line of importWarnings(prepared, file)) io.error(`sluice: ${line}`);
}
