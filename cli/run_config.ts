/**
 * Turns command-line flags and a job file's settings into a validated
 * request template and run options. Flags win over the job file, which wins
 * over the settings stored with a job being resumed.
 *
 * @module
 */
import { asInputError } from "./as_input_error.ts";
import { checkPacing } from "./check_pacing.ts";
import { processingConfig, type ProcessingFlags } from "./processing_config.ts";
import { DEFAULTS } from "../lib/defaults.ts";
import { formatDuration, parseDuration, parseSize } from "../lib/util/units.ts";
import { InputError } from "../lib/errors.ts";
import type { JobSettings } from "../lib/job/input.ts";
import { parseRate, type RateSpec } from "../lib/rate/rate_spec.ts";
import { DEFAULT_RATE, type RunJobOptions } from "../lib/run/run_job.ts";
import type { RequestTemplate } from "../lib/job/template.ts";

/** The flags of `sluice run` and `sluice plan` that shape requests and pacing. */
export interface RunFlags extends ProcessingFlags {
  url?: string;
  method?: string;
  header?: string[];
  body?: string;
  rate?: string;
  burst?: string;
  concurrency?: string;
  timeout?: string;
  maxAttempts?: string;
  maxThrottled?: string;
  maxRetryAfter?: string;
  maxBody?: string;
  retryBase?: string;
  keepAttempts?: boolean;
  idempotencyKey?: boolean | string;
  userAgent?: string;
  grace?: string;
  lease?: string;
  maxRedirects?: string;
  deadline?: string;
  breakerThreshold?: string;
  breakerCooldown?: string;
}

/** A resolved configuration. */
export interface RunConfig {
  request: RequestTemplate;
  rate: RateSpec;
  /** Where the rate came from, to tell the user when the polite default applies. */
  rateSource: "flag" | "job file" | "saved" | "default";
  options: RunJobOptions;
  /** The settings to store with the job (no secrets: templates only). */
  saved: Record<string, unknown>;
}

/**
 * Merges and validates.
 *
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
 * ```
 */
export function resolveRunConfig(
  flags: RunFlags,
  settings: JobSettings,
  saved: Record<string, unknown> = {},
  savedRequest?: RequestTemplate,
): RunConfig {
  const pick = (flag: string | undefined, key: string): string | undefined => {
    if (flag !== undefined) return flag;
    const value = settings[key] ?? saved[key];
    return value === undefined || value === null ? undefined : String(value);
  };
  const base: RequestTemplate = settings.request ?? savedRequest ?? { url: "" };
  const headers = { ...base.headers };
  for (const header of flags.header ?? []) {
    const colon = header.indexOf(":");
    if (colon <= 0) {
      throw new InputError(`Cannot parse header as 'Name: value': current value is '${header}'`);
    }
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  const request: RequestTemplate = {
    url: flags.url ?? base.url,
    ...(flags.method ?? base.method
      ? { method: (flags.method ?? base.method)!.toUpperCase() }
      : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(flags.body !== undefined
      ? { body: flags.body }
      : base.body !== undefined
      ? { body: base.body }
      : {}),
  };
  if (!request.url) {
    throw new InputError("No URL to send to: pass --url or put request.url in the job file");
  }

  const rateText = pick(flags.rate, "rate");
  const rate = rateText === undefined ? DEFAULT_RATE : asInputError(() => parseRate(rateText));
  const rateSource = flags.rate !== undefined
    ? "flag"
    : settings.rate !== undefined
    ? "job file"
    : saved.rate !== undefined
    ? "saved"
    : "default";
  const int = (text: string | undefined, name: string, fallback: number, min = 1) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) {
      throw new InputError(
        `Cannot parse ${name} as an integer of at least ${min}: current value is '${text}'`,
      );
    }
    return n;
  };
  const ms = (text: string | undefined, name: string, fallback: number, min = 0) => {
    if (text === undefined) return fallback;
    const value = asInputError(() => parseDuration(text, name));
    if (value < min) {
      throw new InputError(
        `Cannot use ${name} as a duration of at least ${
          formatDuration(min)
        }: current value is '${text}'`,
      );
    }
    return value;
  };

  const concurrency = int(
    pick(flags.concurrency, "concurrency"),
    "--concurrency",
    DEFAULTS.concurrency,
  );
  const burst = int(pick(flags.burst, "burst"), "--burst", DEFAULTS.burst);
  // Below these, every attempt times out, or a run takes back its own items as abandoned.
  const timeoutMs = ms(pick(flags.timeout, "timeout"), "--timeout", DEFAULTS.timeoutMs, 100);
  const maxAttempts = int(
    pick(flags.maxAttempts, "maxAttempts"),
    "--max-attempts",
    DEFAULTS.maxAttempts,
  );
  const maxThrottled = int(
    pick(flags.maxThrottled, "maxThrottled"),
    "--max-throttled",
    DEFAULTS.maxThrottled,
  );
  const maxRetryAfterMs = ms(
    pick(flags.maxRetryAfter, "maxRetryAfter"),
    "--max-retry-after",
    DEFAULTS.maxRetryAfterMs,
  );
  const retryBaseMs = ms(pick(flags.retryBase, "retryBase"), "--retry-base", DEFAULTS.retryBaseMs);
  const maxBodyText = pick(flags.maxBody, "maxBody");
  const maxBodyBytes = maxBodyText === undefined
    ? DEFAULTS.maxBodyBytes
    : asInputError(() => parseSize(maxBodyText, "--max-body"));
  if (maxBodyBytes < 1000) {
    throw new InputError(
      `Cannot use --max-body as a size of at least 1KB: current value is '${maxBodyText}'`,
    );
  }
  const graceMs = ms(flags.grace, "--grace", DEFAULTS.graceMs);
  // The heartbeat renews leases every third of --lease: at least a second leaves it room.
  const leaseMs = ms(flags.lease, "--lease", DEFAULTS.leaseMs, 1000);
  const maxRedirects = int(
    pick(flags.maxRedirects, "maxRedirects"),
    "--max-redirects",
    DEFAULTS.maxRedirects,
    0,
  );
  const deadlineText = flags.deadline ?? settings.deadline;
  const deadlineMs = deadlineText === undefined
    ? undefined
    : asInputError(() => parseDuration(String(deadlineText), "--deadline"));
  const breakerThreshold = int(
    pick(flags.breakerThreshold, "breakerThreshold"),
    "--breaker-threshold",
    DEFAULTS.breakerThreshold,
    0,
  );
  const breakerCooldownMs = ms(
    pick(flags.breakerCooldown, "breakerCooldown"),
    "--breaker-cooldown",
    DEFAULTS.breakerCooldownMs,
  );
  // `--rate auto` starts where the job's last run settled.
  const discovered = rate.kind === "auto" ? discoveredRate(saved.discoveredRate) : undefined;
  const idempotencyHeader = flags.idempotencyKey === false
    ? false
    : typeof flags.idempotencyKey === "string"
    ? flags.idempotencyKey
    : DEFAULTS.idempotencyHeader;

  const options: RunJobOptions = {
    concurrency,
    rate,
    burst,
    timeoutMs,
    maxBodyBytes,
    policy: { maxAttempts, maxThrottled, maxRetryAfterMs, backoff: { baseMs: retryBaseMs } },
    keepAttempts: flags.keepAttempts ?? false,
    idempotencyHeader,
    graceMs,
    leaseMs,
    ...(flags.userAgent ? { userAgent: flags.userAgent } : {}),
    maxRedirects,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    pacing: {
      breaker: breakerThreshold === 0
        ? false
        : { threshold: breakerThreshold, cooldownMs: breakerCooldownMs },
      ...(discovered ? { adaptive: discovered } : {}),
    },
  };
  checkPacing(rate, options.pacing?.breaker ?? false);
  // --schema, --into, --processor: checked against the database by the run, before sending.
  const processing = processingConfig(flags, settings, saved);
  Object.assign(options, processing.options);
  const savedSettings: Record<string, unknown> = {
    ...(rateText !== undefined ? { rate: rateText } : {}),
    concurrency,
    burst,
    timeout: `${timeoutMs}ms`,
    maxAttempts,
    maxThrottled,
    maxRedirects,
    breakerThreshold,
    breakerCooldown: `${breakerCooldownMs}ms`,
    ...(rate.kind === "auto" && saved.discoveredRate
      ? { discoveredRate: saved.discoveredRate }
      : {}),
    // The job's history: every --replace-request, kept for as long as the job.
    ...(saved.requestReplaced !== undefined ? { requestReplaced: saved.requestReplaced } : {}),
    ...processing.saved,
  };
  return { request, rate, rateSource, options, saved: savedSettings };
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
