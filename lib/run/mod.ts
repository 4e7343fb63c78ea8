/**
 * sluice's run, for scripts that watch or shape one: `run` and `runJob`,
 * the table of run settings ({@linkcode RUN_SETTINGS}: each with its flag,
 * parser, default and whether a job saves it), and the statistics a run
 * fills ({@linkcode RunStats}). The types of what a run is built from (the
 * store, the job and its template, the limiter, the processing) are
 * re-exported from `./store`, `./job`, `./rate` and `./process`, so that
 * every name these docs show links to its own.
 *
 * @example Every setting a job saves, by flag
 * ```ts
 * import { RUN_SETTINGS } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const saved = Object.values(RUN_SETTINGS).filter((s) => s.saved).map((s) => s.flag);
 * assert.ok(saved.includes("--idempotency-key <header>"));
 * ```
 *
 * @module
 */
export { run, type RunOptions } from "./run.ts";
export { runJob, type RunJobOptions, type RunStore, type RunSummary } from "./run_job.ts";
export {
  RUN_SETTINGS,
  type RunSetting,
  type RunSettings,
  type RunSettingTable,
} from "./run_settings.ts";
export type { SavedValue, SettingParser } from "./setting_parsers.ts";
export type { ItemResult } from "./item_result.ts";
export {
  type AttemptOutcome,
  type DurationHistogram,
  RunStats,
  type StatsSnapshot,
} from "./run_stats.ts";
export type { RunHooks } from "./run_hooks.ts";
// What a run is built from: its store, job, template, limiter and processing.
export type * from "../store/types.ts";
export type * from "../job/types.ts";
export type * from "../rate/types.ts";
export type * from "../process/types.ts";
