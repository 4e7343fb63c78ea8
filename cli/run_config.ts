/**
 * Turns command-line flags and a job file's settings into a validated
 * request template and run options. Flags win over the job file, which wins
 * over the settings stored with a job being resumed; every setting is read
 * through the table of lib/run/run_settings.ts.
 *
 * @module
 */
import { InputError } from "../lib/errors.ts";
import type { JobSettings } from "../lib/job/input.ts";
import type { RateSpec } from "../lib/rate/rate_spec.ts";
import type { ResolvedSettings, SettingSource } from "../lib/run/resolve_settings.ts";
import { jobSettings } from "../lib/run/job_settings.ts";
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
  const request = resolveRequest(flags, settings.request ?? savedRequest);
  const config = jobSettings([
    { from: "flag", values: flags },
    { from: "job file", values: settings },
  ], saved);
  return {
    request,
    rate: config.settings.values.rate,
    rateSource: config.settings.sources.rate,
    options: config.options,
    settings: config.settings,
    saved: config.saved,
  };
}

/**
 * The request: the flags (`--url`, `--method`, `--header`, `--body`) over
 * the job file's template, or the one the job was saved with.
 *
 * @throws {InputError} For a header that is not `Name: value`, or no URL at all.
 *
 * @example Usage
 * ```ts
 * import { resolveRequest } from "./run_config.ts";
 * import assert from "node:assert/strict";
 * const saved = { url: "http://api.test/a", headers: { A: "1" } };
 * assert.deepEqual(resolveRequest({ header: ["B: 2"] }, saved), {
 *   url: "http://api.test/a",
 *   headers: { A: "1", B: "2" },
 * });
 * ```
 */
export function resolveRequest(
  flags: RequestFlags,
  template: RequestTemplate | undefined,
): RequestTemplate {
  const base = template ?? { url: "" };
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
