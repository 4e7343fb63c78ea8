/**
 * A job's settings for one run, as the command line and the library both
 * resolve them: every setting through the table (resolve_settings.ts), the
 * pacing checked before anything is imported, `--rate auto` started where
 * the job's last run settled, and what the job keeps besides its settings.
 *
 * @module
 */
import { checkPacing } from "../rate/check_pacing.ts";
import { checkCostUnits } from "./check_cost.ts";
import { type ResolvedSettings, resolveSettings, type SettingLayer } from "./resolve_settings.ts";
import type { RunJobOptions } from "./run_job.ts";

/** What {@linkcode jobSettings} resolved. */
export interface JobSettings {
  /** Every setting, where it came from, and for a resumed job what this run changes. */
  settings: ResolvedSettings;
  /** The run's options: every setting, and where `--rate auto` starts. */
  options: RunJobOptions;
  /** What to save with the job: its settings, and its history (replaced requests, auto rate). */
  saved: Record<string, unknown>;
}

/**
 * Resolves a run's settings from the layers given, then what the job saved
 * (`existing`, undefined for a new job), and checks its pacing.
 *
 * @throws {InputError} For a bad value, pacing the limiter would refuse, or
 * a unit of `--cost` or `--usage` nothing paces.
 *
 * @example Usage
 * ```ts
 * import { jobSettings } from "./job_settings.ts";
 * import assert from "node:assert/strict";
 * const saved = { rate: "auto", discoveredRate: { rate: 56, at: "x" } };
 * const resumed = jobSettings([], saved);
 * assert.deepEqual(resumed.options.pacing, { adaptive: { initialRate: 56 } });
 * assert.deepEqual(resumed.saved, saved);
 * ```
 */
export function jobSettings(
  layers: readonly SettingLayer[],
  existing?: Readonly<Record<string, unknown>>,
): JobSettings {
  const settings = resolveSettings(layers, existing);
  const { values } = settings;
  checkPacing(
    values.rate,
    values.breakerThreshold === 0
      ? false
      : { threshold: values.breakerThreshold, cooldownMs: values.breakerCooldownMs },
  );
  checkCostUnits(values.rate, values.cost, values.usage);
  // `--rate auto` starts where the job's last run settled.
  const discovered = values.rate.kind === "auto"
    ? discoveredRate(existing?.discoveredRate)
    : undefined;
  const options: RunJobOptions = {
    ...values,
    ...(discovered ? { pacing: { adaptive: discovered } } : {}),
  };
  const saved: Record<string, unknown> = {
    ...settings.saved,
    ...(discovered ? { discoveredRate: existing?.discoveredRate } : {}),
    // The job's history: every --replace-request, kept for as long as the job.
    ...(existing?.requestReplaced !== undefined
      ? { requestReplaced: existing.requestReplaced }
      : {}),
  };
  return { settings, options, saved };
}

/** The `--rate auto` state a job's last run saved, as a starting point. */
function discoveredRate(value: unknown): { initialRate: number; ceiling?: number } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { rate, ceiling } = value as { rate?: unknown; ceiling?: unknown };
  if (typeof rate !== "number" || !(rate > 0)) return undefined;
  return {
    initialRate: rate,
    ...(typeof ceiling === "number" && ceiling > 0 ? { ceiling } : {}),
  };
}
