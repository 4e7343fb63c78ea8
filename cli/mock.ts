/**
 * `sluice mock`: the built-in demo API, served on 127.0.0.1 until stopped.
 *
 * @module
 */
import { asInputError } from "../lib/util/as_input_error.ts";
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { DEFAULTS } from "../lib/defaults.ts";
import { InputError } from "../lib/errors.ts";
import { serveMockApi, type ServeMockOptions } from "../lib/mock/mock_server.ts";
import { parseRate } from "../lib/rate/rate_spec.ts";
import { parseDuration } from "../lib/util/units.ts";

/** The mock API's port when none is given. */
export const MOCK_PORT: number = DEFAULTS.mockPort;

/** Flags of `sluice mock`. */
export interface MockFlags {
  port?: string;
  rate?: string;
  burst?: string;
  limiter?: "window" | "bucket";
  headers?: "ietf" | "legacy" | "x" | "none";
  latency?: string;
  failRate?: string;
  resetRate?: string;
  seed?: string;
  record?: boolean;
  windows?: string;
  outage?: string[];
  retryAfter?: "seconds" | "date";
  slowRate?: string;
  slowMs?: string;
  tokens?: string;
  tokenHeaders?: "auto" | "openai" | "anthropic" | "ietf" | "none";
  usageHeader?: string;
}

function number(text: string | undefined, name: string, min: number, max = Infinity) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new InputError(
      `Cannot parse ${name} as a number from ${min} to ${max}: current value is '${text}'`,
    );
  }
  return n;
}

/**
 * Resolves mock flags to server options.
 *
 * @throws {InputError} For a number out of range, a bad window or outage.
 *
 * @example Usage
 * ```ts
 * import { mockOptions } from "./mock.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(mockOptions({ port: "0", rate: "20/s" }), { port: 0, rate: 20 });
 * ```
 */
export function mockOptions(flags: MockFlags): ServeMockOptions {
  const options: ServeMockOptions = { port: number(flags.port, "--port", 0, 65535) ?? MOCK_PORT };
  const rate = number(flags.rate?.replace(/\/s$/, ""), "--rate", 0);
  if (rate) options.rate = rate;
  const burst = number(flags.burst, "--burst", 1);
  if (burst) options.burst = burst;
  if (flags.limiter) options.limiter = flags.limiter;
  if (flags.headers) options.headers = flags.headers;
  const latency = number(flags.latency, "--latency", 0);
  if (latency) options.latencyMs = latency;
  const failRate = number(flags.failRate, "--fail-rate", 0, 1);
  if (failRate) options.failRate = failRate;
  const resetRate = number(flags.resetRate, "--reset-rate", 0, 1);
  if (resetRate) options.resetRate = resetRate;
  const seed = number(flags.seed, "--seed", 0);
  if (seed !== undefined) options.seed = seed;
  if (flags.record) options.record = true;
  if (flags.windows) {
    const windows = flags.windows;
    const spec = asInputError(() => parseRate(windows));
    if (spec.kind !== "windows") {
      throw new InputError(`Cannot use --windows '${flags.windows}': give limits such as 1000/min`);
    }
    options.windows = spec.windows;
  }
  if (flags.outage?.length) options.outages = flags.outage.map(parseOutage);
  if (flags.retryAfter) options.retryAfter = flags.retryAfter;
  const slowRate = number(flags.slowRate, "--slow-rate", 0, 1);
  if (slowRate) options.slowRate = slowRate;
  const slowMs = number(flags.slowMs, "--slow-ms", 0);
  if (slowMs) options.slowMs = slowMs;
  if (flags.tokens) {
    options.tokens = {
      limits: tokenLimits(flags.tokens),
      ...(flags.tokenHeaders ? { headers: flags.tokenHeaders } : {}),
      ...(flags.usageHeader ? { usageHeader: flags.usageHeader } : {}),
    };
  }
  return options;
}

const METERED = ["tokens", "input-tokens", "output-tokens"];

/** `--tokens 500/min,tokens=90000/min`: a bucket per unit, each its shortest window. */
function tokenLimits(text: string): Record<string, { limit: number; periodMs: number }> {
  const spec = asInputError(() => parseRate(text));
  const limits: Record<string, { limit: number; periodMs: number }> = {};
  if (spec.kind === "windows") limits.requests = spec.windows[0]!;
  for (const [unit, windows] of Object.entries(spec.units ?? {})) {
    if (!METERED.includes(unit)) {
      throw new InputError(
        `Cannot use --tokens unit "${unit}": the mock meters ${METERED.join(", ")} (and requests)`,
      );
    }
    limits[unit] = windows[0]!;
  }
  if (Object.keys(limits).length === 0) {
    throw new InputError(
      `Cannot use --tokens '${text}': give limits such as 500/min,tokens=90000/min`,
    );
  }
  return limits;
}

/** `START-END:RETRY_AFTER`, e.g. `5s-8s:2` or `5000-8000:2` (ms without a unit). */
function parseOutage(text: string): { startMs: number; endMs: number; retryAfterS: number } {
  const match = /^\s*([^-:]+)-([^:]+)(?::\s*(\d+))?\s*$/.exec(text);
  const startMs = match ? asInputError(() => parseDuration(match[1]!, "--outage start")) : NaN;
  const endMs = match ? asInputError(() => parseDuration(match[2]!, "--outage end")) : NaN;
  if (!match || !(endMs > startMs)) {
    throw new InputError(
      `Cannot parse --outage as START-END[:RETRY_AFTER_S] (e.g. 5s-8s:2): current value is '${text}'`,
    );
  }
  return { startMs, endMs, retryAfterS: Number(match[3] ?? 1) };
}

/**
 * Serves the mock API until `stop` aborts.
 *
 * @throws {InputError} For flags the mock API refuses (a bad port, rate, burst or window).
 *
 * @example Usage
 * ```ts
 * import { mockCommand } from "./mock.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const io = { log: () => {}, error: (line: string) => lines.push(line) };
 * const stop = new AbortController();
 * const serving = mockCommand({ port: "0" }, io, stop.signal);
 * stop.abort();
 * assert.equal(await serving, 0);
 * assert.match(lines[0]!, /^sluice mock: listening on http:\/\/127\.0\.0\.1:/);
 * ```
 */
export async function mockCommand(
  flags: MockFlags,
  io: Console,
  stop: AbortSignal,
): Promise<number> {
  const options = mockOptions(flags);
  // The mock checks its limits and port itself; from here they are the user's flags.
  const server = asInputError(() => serveMockApi({ ...options, signal: stop }));
  io.error(
    `sluice mock: listening on http://127.0.0.1:${server.port} (POST /search, GET /_mock/stats)` +
      (flags.rate ? `; limited to ${flags.rate}/s` : "") +
      (flags.tokens
        ? `; token-metered POST /v1/chat/completions and /v1/messages limited to ${flags.tokens}`
        : ""),
  );
  await server.finished;
  return EXIT.ok;
}
