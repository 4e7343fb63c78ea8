/**
 * One HTTP attempt: fetch with a timeout and a body size cap, never throwing
 * for network trouble (that is an observation, classified by the outcome
 * policy), and never taking a bug for network trouble.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { deadline, type DeadlineFactory } from "./deadline.ts";
import { decodeBody } from "./decode_body.ts";
import { fetchFollowing } from "./fetch_following.ts";
import { NetworkError } from "./network_error.ts";
import { readBody } from "./read_body.ts";
import { RequestRefusedError } from "./request_refused_error.ts";
import { redactSecrets } from "../job/redact_secrets.ts";
import type { AttemptFailure } from "./attempt_failure.ts";
import type { RenderedRequest } from "../job/template.ts";
import type { StoredBody } from "../util/stored_body.ts";
import { headerField, headerFields } from "../util/header_fields.ts";

/** Options for {@linkcode send}. */
export interface SendOptions {
  /** Per-attempt timeout. @default 30_000 */
  timeoutMs?: number;
  /** Largest response body accepted, counted as it is decoded. @default 10_000_000 */
  maxBodyBytes?: number;
  /** Aborts the attempt (a stop, not a timeout). */
  signal?: AbortSignal;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Redirects followed; one more is a failure. @default 10 */
  maxRedirects?: number;
  /** Makes the attempt's timeout. @default {deadline: one shared sweep on a monotonic clock} */
  deadlines?: DeadlineFactory;
}

/** An answer of the server's: its status, headers and the URL that gave it. */
interface Answered {
  /** The HTTP status. */
  status: number;
  /** The response's headers. */
  headers: Headers;
  /** The URL that answered (after redirects). */
  url: string;
  /** How long the attempt took. */
  durationMs: number;
}

/**
 * What one attempt produced, by kind: an `answer` kept; an answer sluice
 * does not keep (`unusable`: a redirect it will not follow, a body over the
 * cap or not decodable); no answer (`failed`: a timeout, the network, a
 * redirect refused after a send); nothing sent (`unsent`: sluice refused
 * the request itself); or `aborted` by the caller's signal. Failure
 * messages hold no secret.
 */
export type SendResult =
  | Answered & { kind: "answer"; body: StoredBody }
  | Answered & { kind: "unusable"; failure: AttemptFailure }
  | { kind: "failed"; failure: AttemptFailure; durationMs: number }
  | { kind: "unsent"; failure: AttemptFailure; durationMs: number }
  | { kind: "aborted"; durationMs: number };

/**
 * Sends one request. Resolves for every answer and every failure of the
 * network (a timeout, a refused or broken connection); rejects with any
 * other error, which is a bug. Error messages have the request's `secrets`
 * replaced by `***`.
 *
 * @example Usage
 * ```ts
 * import { send } from "./send.ts";
 * import assert from "node:assert/strict";
 * const result = await send(
 *   { url: "ftp://127.0.0.1/", method: "GET", headers: {}, body: undefined },
 *   { timeoutMs: 1000 },
 * );
 * assert.equal(result.kind, "unsent");
 * assert.equal(result.kind === "unsent" && result.failure.kind, "render");
 * ```
 */
export async function send(
  request: RenderedRequest,
  options: SendOptions = {},
): Promise<SendResult> {
  const {
    timeoutMs = DEFAULTS.timeoutMs,
    maxBodyBytes = DEFAULTS.maxBodyBytes,
    signal,
    fetch = globalThis.fetch,
    maxRedirects = DEFAULTS.maxRedirects,
    deadlines = deadline,
  } = options;
  const secrets = request.secrets ?? [];
  const started = performance.now();
  const limit = deadlines(timeoutMs, signal);
  try {
    const { response, url, tooMany, refused } = await fetchFollowing(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: limit.signal,
      redirect: "manual",
    }, { maxRedirects, fetch, secrets });
    const { status, headers } = response;
    if (tooMany || refused !== undefined) {
      await response.body?.cancel();
      const failure: AttemptFailure = refused !== undefined
        ? { kind: "redirect_refused", message: refused }
        : {
          kind: "too_many_redirects",
          message: `more than ${maxRedirects} redirects (--max-redirects)`,
        };
      return { kind: "unusable", status, headers, url, failure, durationMs: since(started) };
    }
    const body = await readBody(decodeBody(response), { maxBytes: maxBodyBytes });
    if (body.kind === "body") {
      // Written out, not spread: this object is made for every answer.
      return { kind: "answer", status, headers, url, body: body.body, durationMs: since(started) };
    }
    const message = body.kind === "too_large"
      ? `response body over ${maxBodyBytes} bytes (--max-body)`
      : `response body not decodable as ${
        headerField(headers, "content-encoding")
      }: ${body.message}`
        .slice(0, 200);
    const kind = body.kind === "too_large" ? "body_too_large" : "body_invalid";
    return {
      kind: "unusable",
      status,
      headers,
      url,
      failure: { kind, message },
      durationMs: since(started),
    };
  } catch (error) {
    // A stop or the timeout aborted the request: whatever fetch threw says so.
    if (signal?.aborted) return { kind: "aborted", durationMs: since(started) };
    if (limit.timedOut) {
      const message = `no answer within ${timeoutMs} ms`;
      return { kind: "failed", failure: { kind: "timeout", message }, durationMs: since(started) };
    }
    if (error instanceof RequestRefusedError) {
      // Refused before anything went out, or (after a redirect) only the redirected request did.
      const failure: AttemptFailure = error.sent
        ? { kind: "redirect_refused", message: error.message }
        : { kind: "render", message: error.message };
      return { kind: error.sent ? "failed" : "unsent", failure, durationMs: since(started) };
    }
    // Only the network's errors are failures of the attempt: anything else is a bug.
    if (!(error instanceof NetworkError)) throw error;
    const failure: AttemptFailure = {
      kind: "network",
      message: networkMessage(error.cause, secrets),
    };
    return { kind: "failed", failure, durationMs: since(started) };
  } finally {
    limit.release();
  }
}

/** Milliseconds since `started` (a `performance.now()`). */
function since(started: number): number {
  return performance.now() - started;
}

function networkMessage(thrown: unknown, secrets: readonly string[]): string {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const cause = error.cause instanceof Error ? error.cause.message : "";
  // Redacted before it is cut: a cut secret would no longer be recognised.
  const text = redactSecrets(`${error.message}${cause ? `: ${cause}` : ""}`, secrets);
  const code =
    /(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|Connection refused|connection reset|error sending request)/i
      .exec(text);
  return code ? `${code[1]} (${text.slice(0, 200)})` : text.slice(0, 200);
}

/** Headers kept with a stored response: pacing and content information, no secrets. */
const KEPT_HEADERS = /^(content-type|retry-after|ratelimit.*|x-ratelimit.*|location|date|etag)$/i;

/**
 * The subset of response headers worth storing, as JSON (or null), with
 * `secrets` replaced by `***` in their values, however short (a `Location`
 * can echo a token).
 *
 * @example Usage
 * ```ts
 * import { selectHeaders } from "./send.ts";
 * import assert from "node:assert/strict";
 * const headers = new Headers({ location: "/next?key=s3cret", "set-cookie": "a=b" });
 * assert.equal(selectHeaders(headers, ["s3cret"]), '{"location":"/next?key=***"}');
 * ```
 */
export function selectHeaders(
  headers: Headers | undefined,
  secrets: readonly string[] = [],
): string | null {
  if (!headers) return null;
  let kept: Record<string, string> | undefined;
  headerFields(headers).forEach((value, name) => {
    if (KEPT_HEADERS.test(name)) (kept ??= {})[name] = redactSecrets(value, secrets);
  });
  return kept ? JSON.stringify(kept) : null;
}
