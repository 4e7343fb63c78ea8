/**
 * `sluice run` and `sluice plan`: open the input, resolve the configuration,
 * import, run with progress, print the summary. Returns an exit code; the
 * process itself is left to main.ts.
 *
 * @module
 */
import { InputError } from "../lib/errors.ts";
import { type InputSource, openInput } from "../lib/job/input.ts";
import { checkFields, prepareJob } from "../lib/job/prepare_job.ts";
import { startProgress } from "./progress.ts";
import { formatDuration } from "../lib/util/units.ts";
import { formatRate, parseRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import { type Serve, startDashboard } from "./dashboard.ts";
import type { LiveRun } from "../lib/dashboard/create_dashboard.ts";
import { resolveRunConfig, type RunFlags } from "./run_config.ts";
import { runJob, type RunSummary } from "../lib/run/run_job.ts";
import { describeLimiter } from "../lib/rate/create_run_limiter.ts";
import { RunStats } from "../lib/run/run_stats.ts";
import { openStore, type Store } from "../lib/store/store.ts";
import { compileTemplate, type RequestTemplate } from "../lib/job/template.ts";

/** Compiles the request template, reporting a bad one as bad input. */
export function compileRequest(request: RequestTemplate) {
  try {
    return compileTemplate(request);
  } catch (error) {
    if (error instanceof TypeError) {
      throw new InputError(error.message, undefined, { cause: error });
    }
    throw error;
  }
}

/** Exit codes. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Flags of `sluice run`. */
export interface RunCommandFlags extends RunFlags {
  db: string;
  job?: string;
  format?: "auto" | "json" | "jsonl" | "csv";
  append?: boolean;
  quiet?: boolean;
  /** Serve the dashboard while running: `true` for the default port, or a port. */
  dashboard?: string | boolean;
  host?: string;
  token?: string;
}

/** Where messages go. */
export interface Console {
  log(line: string): void;
  error(line: string): void;
}

/** The default job name: the input's base name without extension. */
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

/** A `file:` URL's path, for cleaning up a database this run created. */
function localPath(db: string): string | undefined {
  if (!db.startsWith("file:")) return undefined;
  return db.slice("file:".length).replace(/^\/\/(?=\/)/, "");
}

/** Runs a job from the command line. */
export async function runCommand(
  input: string | undefined,
  flags: RunCommandFlags,
  io: Console,
  stop: AbortSignal,
  serve?: Serve,
): Promise<number> {
  const name = flags.job ?? defaultJobName(input);
  const source: InputSource | undefined = input === undefined
    ? undefined
    : await openInput(input, { format: flags.format ?? "auto" });
  const dbPath = localPath(flags.db);
  const created = dbPath !== undefined && !(await fileExists(dbPath));
  let store: Store | undefined;
  try {
    store = await openStore(flags.db);
    const existing = await store.findJob(name);
    if (!source && !existing) {
      throw new InputError(`No input given and no job named "${name}" in ${flags.db}`);
    }
    const savedRequest = existing ? JSON.parse(existing.request) as RequestTemplate : undefined;
    const saved = existing ? JSON.parse(existing.options) as Record<string, unknown> : {};
    const config = resolveRunConfig(flags, source?.settings ?? {}, saved, savedRequest);
    const template = compileRequest(config.request);
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

    // runJob fills in the counts once it has taken back a dead run's items: counting
    // here too would cost a second scan of the items before the first request.
    const stats = new RunStats({ total: 0, done: 0, failed: 0 });
    const stopProgress = flags.quiet ? () => {} : startProgress(() => stats.snapshot());
    let limiter: RateLimiter | undefined;
    const history = recordHistory(store, prepared.job.id, stats);
    const dashboard = new AbortController();
    if (flags.dashboard && serve) {
      const live = liveRun(name, stats, () => limiter);
      startDashboard(
        store,
        {
          ...(typeof flags.dashboard === "string" ? { port: flags.dashboard } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          ...(flags.token ? { token: flags.token } : {}),
        },
        serve,
        dashboard.signal,
        io,
        live,
      );
    }
    let summary: RunSummary;
    try {
      summary = await runJob(store, prepared.job, template, {
        ...config.options,
        stats,
        signal: stop,
        onLimiter: (l) => limiter = l,
      });
    } finally {
      stopProgress();
      await history.stop();
      dashboard.abort();
    }
    printSummary(summary, io);
    await saveDiscoveredRate(store, prepared.job.id, config.saved, summary);
    if (summary.stopped) {
      // Standard input cannot be read again: the job resumes from the database alone.
      const from = input === "-" ? "" : input ?? "";
      const again = ["sluice run", from, `--db ${flags.db}`, `--job ${name}`]
        .filter(Boolean).join(" ");
      io.error(
        `sluice: ${summary.deadlineReached ? "deadline reached" : "stopped"}; ` +
          `${summary.counts.pending} items left. Resume with: ${again}`,
      );
      return EXIT.interrupted;
    }
    return summary.counts.failed > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    store?.close();
    store = undefined;
    if (
      created && dbPath &&
      (error instanceof InputError || error instanceof RangeError)
    ) {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(dbPath + suffix).catch(() => {});
    }
    throw error;
  } finally {
    store?.close();
  }
}

/** Saves a point of the statistics history every few seconds, for the dashboard's charts. */
function recordHistory(store: Store, jobId: number, stats: RunStats, everyMs = 5_000) {
  const save = async () => {
    const s = stats.snapshot();
    await store.addSnapshot(jobId, {
      at: s.at,
      done: s.done,
      failed: s.failed,
      sent: s.sent,
      throttled: s.throttled,
      retried: s.retried,
      rate: s.rate,
      p50Ms: s.p50Ms ?? null,
      p95Ms: s.p95Ms ?? null,
    }).catch(() => {}); // history is a nicety: a busy database must not stop the run
  };
  let saving = Promise.resolve();
  const timer = setInterval(() => saving = saving.then(save), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await saving;
      await save();
    },
  };
}

/** What the dashboard sees of, and may do to, the running job. */
function liveRun(job: string, stats: RunStats, limiter: () => RateLimiter | undefined): LiveRun {
  let rate = "";
  return {
    job,
    snapshot: () => stats.snapshot(),
    pause: () => limiter()?.hold(true),
    resume: () => limiter()?.hold(false),
    paused: () => limiter()?.held ?? false,
    rate: () => rate || formatRate({ kind: "windows", windows: [...(limiter()?.windows ?? [])] }),
    setRate(text: string) {
      const spec = parseRate(text);
      if (spec.kind === "auto") {
        throw new RangeError("Cannot switch to auto while running: current value is 'auto'");
      }
      limiter()?.setWindows(spec.kind === "windows" ? spec.windows : []);
      rate = formatRate(spec);
    },
  };
}

/** Prints the closing summary of a run. */
export function printSummary(summary: RunSummary, io: Console): void {
  const { counts, stats } = summary;
  const statuses = Object.entries(stats.byStatus).sort().map(([k, v]) => `${k}: ${v}`).join(", ");
  io.error(
    [
      `sluice: ${counts.done}/${counts.total} done, ${counts.failed} failed, ${counts.pending} pending` +
      ` in ${formatDuration(stats.elapsedMs)}`,
      `  sent ${stats.sent} requests (${
        statuses || "none"
      }); ${stats.retried} retries, ${stats.throttled} throttled (429)`,
      ...(summary.recovered > 0
        ? [
          `  ${summary.recovered} items were in flight when an earlier run stopped: possibly sent twice`,
        ]
        : []),
      ...Object.entries(stats.errors).slice(0, 5).map(([reason, n]) => `  ${n} × ${reason}`),
      ...(summary.limiter && describeLimiter(summary.limiter)
        ? [`  ${describeLimiter(summary.limiter)}`]
        : []),
    ].join("\n"),
  );
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
  await store.updateJob(
    jobId,
    { options: JSON.stringify({ ...saved, discoveredRate }) },
    Date.now(),
  );
}

/** Flags of `sluice plan`. */
export interface PlanFlags extends RunFlags {
  format?: "auto" | "json" | "jsonl" | "csv";
  show?: string;
}

/** Validates the input and prints the first rendered requests; sends nothing. */
export async function planCommand(input: string, flags: PlanFlags, io: Console): Promise<number> {
  const source = await openInput(input, { format: flags.format ?? "auto" });
  const config = resolveRunConfig(flags, source.settings);
  const template = compileRequest(config.request);
  const show = Number(flags.show ?? 3);
  const masked = (name: string) =>
    `<env.${name}${Deno.env.get(name) === undefined ? " unset" : ""}>`;
  let count = 0;
  for await (const query of source.queries) {
    checkFields(template, query, source.file);
    if (count < show) {
      const r = template.render(query.vars, masked);
      io.log(`${r.method} ${r.url}`);
      for (const [k, v] of Object.entries(r.headers)) io.log(`${k}: ${v}`);
      if (r.body !== undefined) io.log(r.body);
      io.log("");
    }
    count++;
  }
  const perSecond = config.rate.kind === "windows"
    ? Math.min(...config.rate.windows.map((w) => (w.limit / w.periodMs) * 1000))
    : undefined;
  io.log(
    `${count} queries in ${source.file} (${source.format}); rate ${formatRate(config.rate)}, ` +
      `concurrency ${config.options.concurrency}` +
      (perSecond ? `; at least ${formatDuration((count / perSecond) * 1000)} at full rate` : ""),
  );
  return EXIT.ok;
}
