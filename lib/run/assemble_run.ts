/**
 * One assembly of a run, for the library's `run()` and the command line's
 * `sluice run` alike: open the store, find the job, resolve its request and
 * settings over what it saved, check everything (template, environment,
 * pacing, processing: prepared once), keep the job's request and the
 * settings the server sees unless told to replace them, import, run, and
 * keep what `--rate auto` found.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { checkEnv } from "../job/check_env.ts";
import { checkJobName } from "../job/check_job_name.ts";
import { defaultJobName } from "../job/default_job_name.ts";
import type { InputSource } from "../job/input.ts";
import { type PreparedJob, prepareJob } from "../job/prepare_job.ts";
import { requestChanges } from "../job/request_changes.ts";
import { compileTemplate, type RequestTemplate } from "../job/template.ts";
import { prepareProcessing } from "../process/processing.ts";
import { unfinishedRebuild } from "../process/rebuild_tables.ts";
import { checkPages } from "./check_pages.ts";
import { openStore, type Store } from "../store/store.ts";
import { asInputError } from "../util/as_input_error.ts";
import { systemClock } from "../util/clock.ts";
import { jobSettings } from "./job_settings.ts";
import { costCheck } from "./check_cost.ts";
import { keepSettings, type ResolvedSettings, type SettingLayer } from "./resolve_settings.ts";
import { runJob, type RunJobOptions, type RunSummary } from "./run_job.ts";
import type { RunSettings } from "./run_settings.ts";

/** A run checked and about to import: what the caller may show or serve. */
export interface CheckedRun {
  /** The store the run uses. */
  store: Store;
  /** The job's name. */
  name: string;
  /** The request the job sends. */
  request: RequestTemplate;
  /** Its settings, and where each came from. */
  settings: ResolvedSettings;
}

/** Options for {@linkcode assembleRun}: the job, and what the run reports to and is stopped by. */
export interface AssembleRunOptions
  extends Omit<RunJobOptions, keyof RunSettings | "pacing" | "processing"> {
  /** The database's URL, or a store already open (left open at the end). */
  db: string | Store;
  /** The job's name. @default {defaultJobName(source.file)} */
  job?: string;
  /** The queries to import. @default {undefined: the job is resumed from the database} */
  source?: InputSource;
  /** Identifies the input's content: the same file given again resumes. @default {undefined} */
  inputId?: string;
  /** Add the queries to a job imported from another input. @default {false} */
  append?: boolean;
  /** The request to send, given the one of the job file or of the saved job (if any). */
  request: (base: RequestTemplate | undefined) => RequestTemplate;
  /** The settings given, strongest first; the job file's come after them. @default {[]} */
  settings?: readonly SettingLayer[];
  /** Resume with another request or idempotency header, recorded in the job. @default {false} */
  replaceRequest?: boolean;
  /** Called once everything is checked, before the import: nothing is sent yet. @default {undefined} */
  onChecked?: (run: CheckedRun) => void;
  /** Called once the queries are imported (or the job found), before any request. @default {undefined} */
  onPrepared?: (prepared: PreparedJob, run: CheckedRun) => void;
  /**
   * Called once the run ended, with the database still open: to keep its
   * summary with the job, say. @default {undefined}
   */
  onSummary?: (summary: RunSummary, prepared: PreparedJob, run: CheckedRun) => Promise<void>;
}

/** What {@linkcode assembleRun} did. */
export interface AssembledRun {
  /** What the run did. */
  summary: RunSummary;
  /** What the import did. */
  prepared: PreparedJob;
  /** The settings it ran with. */
  settings: ResolvedSettings;
}

/**
 * Runs a job from its input (or resumes it from the database), as one
 * sequence of checks before anything is imported or sent.
 *
 * @throws {InputError} For bad input, request, settings, environment,
 * processing, or a resume that would change what the server sees.
 *
 * @example Usage
 * ```ts
 * import { assembleRun } from "./assemble_run.ts";
 * import { openStore } from "../store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * async function* queries() {
 *   yield { vars: { q: "a" }, line: 1 };
 * }
 * const { summary } = await assembleRun({
 *   db: store,
 *   source: { file: "q.jsonl", format: "jsonl", settings: {}, queries: queries() },
 *   request: () => ({ url: "http://api.test/search?q={{q}}" }),
 *   settings: [{ from: "options", values: { rate: { kind: "none" } } }],
 *   fetch: () => Promise.resolve(new Response("ok")),
 * });
 * assert.equal(summary.job.name, "q");
 * assert.equal(summary.counts.done, 1);
 * store.close();
 * ```
 */
export async function assembleRun(options: AssembleRunOptions): Promise<AssembledRun> {
  const {
    db,
    source,
    inputId,
    append = false,
    request,
    settings = [],
    replaceRequest = false,
    onChecked,
    onPrepared,
    onSummary,
    clock = systemClock,
    env = (name: string) => Deno.env.get(name),
    ...runtime
  } = options;
  const named = options.job ?? (source ? defaultJobName(source.file) : undefined);
  if (named === undefined) {
    throw new InputError("No input given: pass an input file, or --job NAME to resume a job");
  }
  const name = checkJobName(named);
  const store = typeof db === "string" ? await openStore(db) : db;
  try {
    const existing = await store.jobs.find(name);
    if (!source && !existing) {
      throw new InputError(`No input given and no job named "${name}" in ${store.url}`);
    }
    // Tables a rebuild dropped and did not fill again: a run would add rows to a part of them.
    const unfinished = existing && unfinishedRebuild(existing, store.url);
    if (unfinished) throw new InputError(unfinished);
    const fileSettings = source?.settings ?? {};
    const given = request(fileSettings.request ?? existing?.request);
    const template = asInputError(() => compileTemplate(given));
    checkEnv(template, env);
    const config = jobSettings(
      [...settings, { from: "job file", values: fileSettings }],
      existing?.options,
    );
    // A bad --next, {{page.cursor}} without a cursor, bad --schema/--into SQL or a processor
    // that does not load: refused before the import.
    checkPages(template, config.options);
    // On the run's clock: the processor's time limit is the run's time.
    const processing = await prepareProcessing(store.tables, name, { ...config.options, clock });
    if (existing) {
      keepRequest(name, existing.request, given, config.saved, replaceRequest, clock.now());
      Object.assign(
        config.saved,
        keepSettings(name, config.settings, existing.options, {
          replace: replaceRequest,
          now: clock.now(),
        }),
      );
    }
    const checked: CheckedRun = { store, name, request: given, settings: config.settings };
    onChecked?.(checked);
    const prepared = await prepareJob(store, template, {
      name,
      ...(source ? { input: source } : {}),
      ...(inputId !== undefined ? { inputId } : {}),
      request: given,
      options: config.saved,
      append,
      now: () => clock.now(),
      checkQuery: costCheck(config.settings.values.rate, config.settings.values.cost),
    });
    onPrepared?.(prepared, checked);
    const summary = await runJob(store, prepared.job, template, {
      ...config.options,
      ...runtime,
      clock,
      env,
      ...(processing ? { processing } : {}),
    });
    await keepDiscoveredRate(store, prepared.job.id, config.saved, summary, clock.now());
    await onSummary?.(summary, prepared, checked);
    return { summary, prepared, settings: config.settings };
  } finally {
    if (typeof db === "string") store.close();
  }
}

/**
 * A job's request is part of the job: a run that would send another one is
 * refused, unless `replace`, which the job then records (when, and the
 * request it replaced).
 */
function keepRequest(
  name: string,
  saved: RequestTemplate,
  next: RequestTemplate,
  options: Record<string, unknown>,
  replace: boolean,
  now: number,
): void {
  const changes = requestChanges(saved, next);
  if (changes.length === 0) return;
  if (!replace) {
    throw new InputError(
      `Job "${name}" was created with another request; resuming it would mix answers to ` +
        `two requests in one job:\n  ${changes.join("\n  ")}\n` +
        `Pass --replace-request to send the new request from now on (recorded in the job), ` +
        `or --job NAME to start a new job`,
    );
  }
  const previous = options.requestReplaced;
  options.requestReplaced = [
    ...(Array.isArray(previous) ? previous : []),
    { at: new Date(now).toISOString(), from: saved, changes },
  ];
}

/** Keeps `--rate auto`'s discovered rate with the job: shown by status, the start of the next run. */
async function keepDiscoveredRate(
  store: Store,
  jobId: number,
  saved: Record<string, unknown>,
  summary: RunSummary,
  now: number,
): Promise<void> {
  const adaptive = summary.limiter?.adaptive;
  if (!adaptive) return;
  const discoveredRate = {
    rate: Math.round(adaptive.rate * 100) / 100,
    ...(adaptive.ceiling !== undefined
      ? { ceiling: Math.round(adaptive.ceiling * 100) / 100 }
      : {}),
    at: new Date(now).toISOString(),
  };
  await store.jobs.update(jobId, { options: { ...saved, discoveredRate } }, now);
}
