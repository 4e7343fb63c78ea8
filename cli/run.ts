/**
 * `sluice run`: open the input, resolve the configuration, import, run with
 * progress, print the summary. Returns an exit code; the process itself is
 * left to main.ts.
 *
 * @module
 */
import { asInputError } from "../lib/util/as_input_error.ts";
import { checkEnv } from "./check_env.ts";
import type { Console } from "./console.ts";
import { dbFilePath } from "./db_url.ts";
import { EXIT } from "./exit_code.ts";
import { LimitTally } from "./limit_tally.ts";
import { liveRun } from "./live_run.ts";
import { importWarnings, skippedRowsLines } from "./import_warnings.ts";
import type { InputFlags } from "./input_options.ts";
import { openQueries } from "./open_queries.ts";
import { printSummary } from "./print_summary.ts";
import { startProgress } from "./progress.ts";
import { recordHistory } from "./record_history.ts";
import { requestChanges } from "./request_changes.ts";
import { resolveRunConfig, type RunConfig, type RunFlags } from "./run_config.ts";
import type { Serve } from "./serve.ts";
import { commandLine } from "./shell_quote.ts";
import { startDashboard } from "./start_dashboard.ts";
import { InputError } from "../lib/errors.ts";
import type { InputSource } from "../lib/job/input.ts";
import { prepareJob } from "../lib/job/prepare_job.ts";
import { prepareProcessing } from "../lib/process/processing.ts";
import { keepSettings } from "../lib/run/resolve_settings.ts";
import { compileTemplate, type RequestTemplate } from "../lib/job/template.ts";
import { formatRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import { runJob, type RunSummary } from "../lib/run/run_job.ts";
import { RunStats } from "../lib/run/run_stats.ts";
import { openStore, type Store } from "../lib/store/store.ts";

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

/**
 * The default job name: the input's base name without extension.
 *
 * @example Usage
 * ```ts
 * import { defaultJobName } from "./run.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultJobName("data/queries.jsonl"), "queries");
 * assert.equal(defaultJobName("-"), "stdin");
 * ```
 */
export function defaultJobName(input: string | undefined): string {
  if (!input || input === "-") return "stdin";
  const base = input.split(/[\\/]/).pop() ?? input;
  return base.replace(/\.(jsonl|ndjson|json|csv)$/i, "") || "job";
}

/** Identifies a file's content cheaply: path, size and modification time. */
async function inputIdentity(path: string): Promise<string | undefined> {
  if (path === "-") return undefined;
  const info = await Deno.stat(path);
  return `${await Deno.realPath(path)}:${info.size}:${info.mtime?.getTime() ?? 0}`;
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
  const name = flags.job ?? defaultJobName(input);
  const source: InputSource | undefined = input === undefined
    ? undefined
    : await openQueries(input, flags);
  // A database this run creates is removed again if the input turns out bad.
  const dbPath = dbFilePath(flags.db);
  const created = dbPath !== undefined && !(await fileExists(dbPath));
  let store: Store | undefined;
  const dashboard = new AbortController();
  try {
    store = await openStore(flags.db);
    const existing = await store.jobs.find(name);
    if (!source && !existing) {
      throw new InputError(`No input given and no job named "${name}" in ${flags.db}`);
    }
    const config = resolveRunConfig(
      flags,
      source?.settings ?? {},
      existing?.options,
      existing?.request,
    );
    const template = asInputError(() => compileTemplate(config.request));
    checkEnv(template);
    // Bad --schema/--into SQL or a processor that does not load: exit 2, the database unchanged.
    await prepareProcessing(store.tables, name, config.options);
    if (existing) {
      const replace = flags.replaceRequest ?? false;
      keepRequest(name, existing.request, config, replace);
      Object.assign(
        config.saved,
        keepSettings(name, config.settings, existing.options, { replace }),
      );
    }
    // runJob fills in the counts once it has taken back a dead run's items: counting
    // here too would cost a second scan of the items before the first request.
    const stats = new RunStats({ total: 0, done: 0, failed: 0 });
    let limiter: RateLimiter | undefined;
    const limits = new LimitTally(() => limiter);
    const live = liveRun(name, stats, () => limiter, config.options.concurrency);
    // First, before any timer starts: a port in use stops the run here, nothing sent.
    if (flags.dashboard && serve) {
      startDashboard(
        store,
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
    const prepared = await prepareJob(store, template, {
      name,
      ...(source ? { input: source } : {}),
      ...(source ? { inputId: await inputIdentity(source.file) } : {}),
      request: config.request,
      options: config.saved,
      append: flags.append ?? false,
    });
    const pacing = config.rateSource === "default"
      ? `${
        formatRate(config.rate)
      } (the polite default; --rate to change, --rate none for no pacing)`
      : formatRate(config.rate);
    const what = prepared.resumed
      ? `resuming job "${name}"${prepared.imported ? ` (+${prepared.imported} new items)` : ""}`
      : `job "${name}": ${prepared.imported} items imported` +
        (prepared.read > prepared.imported
          ? ` (${prepared.read - prepared.imported} duplicate keys skipped)`
          : "");
    io.error(
      `sluice: ${what}; ${
        config.request.method ?? (config.request.body ? "POST" : "GET")
      } ${config.request.url}; rate ${pacing}; concurrency ${config.options.concurrency}`,
    );
    for (const line of importWarnings(prepared, source?.file ?? "-")) io.error(`sluice: ${line}`);

    const stopTally = limits.watch();
    const stopProgress = flags.quiet ? () => {} : startProgress(() => stats.snapshot(), {
      limit: () => stop.aborted ? "stopping: in-flight requests finish" : limits.now(),
    });
    const history = recordHistory(store, prepared.job.id, live);
    let summary: RunSummary;
    try {
      summary = await runJob(store, prepared.job, template, {
        ...config.options,
        stats,
        signal: stop,
        ...(stopNow ? { stopNow } : {}),
        onLimiter: (l) => {
          limiter = l;
          live.attach(l);
          limits.sample(); // the tally's time starts with the limiter, even for a short run
        },
      });
    } finally {
      stopProgress();
      stopTally();
      await history.stop();
      dashboard.abort();
    }
    printSummary(summary, io, { pace: limits.summary() });
    // The rows this run's import skipped, listed again where the run ends.
    const { count, first } = prepared.badRows;
    const skipped = first.map((row) => ({ ...row, file: source?.file ?? "-" }));
    for (const line of skippedRowsLines(count, skipped)) io.error(`  ${line}`);
    await saveDiscoveredRate(store, prepared.job.id, config.saved, summary);
    if (summary.stopped) {
      // The job holds its input, request and settings: it resumes from the database alone.
      const again = commandLine(command, ["run", "--db", flags.db, "--job", name]);
      io.error(
        `sluice: ${summary.deadlineReached ? "deadline reached" : "stopped"}; ` +
          `${summary.counts.pending} items left. Resume with: ${again}`,
      );
      return EXIT.interrupted;
    }
    return summary.counts.failed > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    dashboard.abort();
    store?.close();
    store = undefined;
    if (created && dbPath && error instanceof InputError) {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(dbPath + suffix).catch(() => {});
    }
    throw error;
  } finally {
    store?.close();
  }
}

/** Keeps `--rate auto`'s discovered rate with the job: shown by status, the start of the next run. */
async function saveDiscoveredRate(
  store: Store,
  jobId: number,
  saved: Record<string, unknown>,
  summary: RunSummary,
): Promise<void> {
  const adaptive = summary.limiter?.adaptive;
  if (!adaptive) return;
  const discoveredRate = {
    rate: Math.round(adaptive.rate * 100) / 100,
    ...(adaptive.ceiling !== undefined
      ? { ceiling: Math.round(adaptive.ceiling * 100) / 100 }
      : {}),
    at: new Date().toISOString(),
  };
  await store.jobs.update(
    jobId,
    { options: { ...saved, discoveredRate } },
    Date.now(),
  );
}

/**
 * A job's request is part of the job: a run that would send another one is
 * refused, unless `--replace-request`, which the job then records (when,
 * and the request it replaced).
 */
function keepRequest(
  name: string,
  saved: RequestTemplate,
  config: RunConfig,
  replace: boolean,
): void {
  const changes = requestChanges(saved, config.request);
  if (changes.length === 0) return;
  if (!replace) {
    throw new InputError(
      `Job "${name}" was created with another request; resuming it would mix answers to ` +
        `two requests in one job:\n  ${changes.join("\n  ")}\n` +
        `Pass --replace-request to send the new request from now on (recorded in the job), ` +
        `or --job NAME to start a new job`,
    );
  }
  const previous = config.saved.requestReplaced;
  config.saved.requestReplaced = [
    ...(Array.isArray(previous) ? previous : []),
    { at: new Date().toISOString(), from: saved, changes },
  ];
}
