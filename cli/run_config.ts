/**
 * Turns command-line flags and a job file's settings into a validated
 * request template and run options. Flags win over the job file, which wins
 * over the settings stored with a job being resumed; every setting is read
 * through the table of lib/run/run_settings.ts.
 *
 * @module
 */
import { checkPacing } from "./check_pacing.ts";
import { InputError } from "../lib/errors.ts";
import type { JobSettings } from "../lib/job/input.ts";
import type { RateSpec } from "../lib/rate/rate_spec.ts";
import {
  type ResolvedSettings,
  resolveSettings,
  type SettingSource,
} from "../lib/run/resolve_settings.ts";
import type { RunJobOptions } from "../lib/run/run_job.ts";
import type { RequestTemplate } from "../lib/job/template.ts";

/** The flags of a request: its URL, method, headers and body templates. */
export interface RequestFlags {
  /** The URL template. */
  url?: string;
  /** The HTTP method. */
  method?: string;
  /** Headers as `Name: value`. */
  header?: string[];
  /** The body template. */
  body?: string;
}

/**
 * The flags of `sluice run` and `sluice plan` that shape requests and
 * pacing: the request's, and each run setting's by its key (`timeout`,
 * `keepAttempts`), as commander gives them.
 */
export type RunFlags = RequestFlags & {
  readonly [setting: string]: string | boolean | string[] | undefined;
};

/** A resolved configuration. */
export interface RunConfig {
  request: RequestTemplate;
  rate: RateSpec;
  /** Where the rate came from, to tell the user when the polite default applies. */
  rateSource: SettingSource;
  options: RunJobOptions;
  /** Every setting, where it came from, and for a resumed job what this run changes. */
  settings: ResolvedSettings;
  /** The settings to store with the job (no secrets: templates only). */
  saved: Record<string, unknown>;
}

/**
 * Merges and validates.
 *
 * @param flags The command line's flags.
 * @param settings The job file's settings (`{}` for other inputs).
 * @param saved What the job being resumed saved; undefined for a new job.
 * @param savedRequest The request the job being resumed was created with.
 * @throws {InputError} For a missing URL, a bad header, a bad number, rate,
 * duration or size, or pacing the limiter would refuse.
 *
 * @example Usage
 * ```ts
 * import { resolveRunConfig } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * const config = resolveRunConfig({ url: "http://127.0.0.1:1/x", rate: "5/s" }, {});
 * assert.equal(config.options.concurrency, 16);
 * assert.equal(config.rateSource, "flag");
 * assert.deepEqual(config.saved, { rate: "5/s" });
 * ```
 */
export function resolveRunConfig(
  flags: RunFlags,
  settings: JobSettings,
  saved?: Record<string, unknown>,
  savedRequest?: RequestTemplate,
): RunConfig {
  const request = resolveRequest(flags, settings.request ?? savedRequest ?? { url: "" });
  const resolved = resolveSettings([
    { from: "flag", values: flags },
    { from: "job file", values: settings },
  ], saved);
  const { values } = resolved;
  // `--rate auto` starts where the job's last run settled.
  const discovered = values.rate.kind === "auto"
    ? discoveredRate(saved?.discoveredRate)
    : undefined;
  const options: RunJobOptions = {
    ...values,
    ...(discovered ? { pacing: { adaptive: discovered } } : {}),
  };
  checkPacing(
    values.rate,
    values.breakerThreshold === 0
      ? false
      : { threshold: values.breakerThreshold, cooldownMs: values.breakerCooldownMs },
  );
  const savedSettings: Record<string, unknown> = {
    ...resolved.saved,
    ...(discovered ? { discoveredRate: saved?.discoveredRate } : {}),
    // The job's history: every --replace-request, kept for as long as the job.
    ...(saved?.requestReplaced !== undefined ? { requestReplaced: saved.requestReplaced } : {}),
  };
  return {
    request,
    rate: values.rate,
    rateSource: resolved.sources.rate,
    options,
    settings: resolved,
    saved: savedSettings,
  };
}

/** The request: the flags over the job file's (or the saved) template. */
function resolveRequest(flags: RequestFlags, base: RequestTemplate): RequestTemplate {
  const headers = { ...base.headers };
  for (const header of flags.header ?? []) {
    const colon = header.indexOf(":");
    if (colon <= 0) {
      throw new InputError(`Cannot parse header as 'Name: value': current value is '${header}'`);
    }
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  const method = flags.method ?? base.method;
  const body = flags.body ?? base.body;
  const request: RequestTemplate = {
    url: flags.url ?? base.url,
    ...(method ? { method: method.toUpperCase() } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
  };
  if (!request.url) {
    throw new InputError("No URL to send to: pass --url or put request.url in the job file");
  }
  return request;
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
