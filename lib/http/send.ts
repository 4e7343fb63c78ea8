/**
 * One HTTP attempt: fetch with a timeout and a body size cap, never throwing
 * for network trouble (that is an observation, classified by the outcome policy).
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { deadline } from "./deadline.ts";
import { decodeBody } from "./decode_body.ts";
import { fetchFollowing } from "./fetch_following.ts";
import { readBody } from "./read_body.ts";
import { RequestRefusedError } from "./request_refused_error.ts";
import { redactSecrets } from "../job/redact_secrets.ts";
import type { AttemptFailure } from "../run/outcome.ts";
import type { RenderedRequest } from "../job/template.ts";
import type { StoredBody } from "../util/stored_body.ts";

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
}

/** What one attempt produced. */
export interface SendResult {
  status?: number;
  headers?: Headers;
  /** The body as received: its text, or its bytes when they are not text. */
  body?: StoredBody;
  url?: string;
  /** Why the attempt did not end with a usable answer; messages hold no secret. */
  failure?: AttemptFailure;
  /** True when the caller's signal stopped the attempt. */
  aborted?: boolean;
  /** True when nothing reached the server: sluice refused the request itself (`failure`). */
  unsent?: boolean;
  durationMs: number;
}

/**
 * Sends one request. Resolves in every case but a programming error. Error
 * messages have the request's `secrets` replaced by `***`.
 *
 * @example Usage
 * ```ts
 * import { send } from "./send.ts";
 * import assert from "node:assert/strict";
 * const result = await send(
 *   { url: "ftp://127.0.0.1/", method: "GET", headers: {}, body: undefined },
 *   { timeoutMs: 1000 },
 * );
 * assert.equal(result.unsent, true);
 * assert.equal(result.failure?.kind, "render");
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
  } = options;
  const secrets = request.secrets ?? [];
  const started = performance.now();
  const limit = deadline(timeoutMs, signal);
  const result = (fields: Omit<SendResult, "durationMs">): SendResult => ({
    ...fields,
    durationMs: performance.now() - started,
  });
  try {
    const { response, url, tooMany, refused } = await fetchFollowing(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: limit.signal,
    }, { maxRedirects, fetch, secrets });
    const answer = { status: response.status, headers: response.headers, url };
    if (tooMany || refused !== undefined) {
      await response.body?.cancel();
      const failure: AttemptFailure = refused !== undefined
        ? { kind: "redirect_refused", message: refused }
        : {
          kind: "too_many_redirects",
          message: `more than ${maxRedirects} redirects (--max-redirects)`,
        };
      return result({ ...answer, failure });
    }
    const body = await readBody(decodeBody(response), { maxBytes: maxBodyBytes });
    if (body.kind === "too_large") {
      return result({
        ...answer,
        failure: {
          kind: "body_too_large",
          message: `response body over ${maxBodyBytes} bytes (--max-body)`,
        },
      });
    }
    if (body.kind === "invalid") {
      const encoding = response.headers.get("content-encoding");
      return result({
        ...answer,
        failure: {
          kind: "body_invalid",
          message: `response body not decodable as ${encoding}: ${body.message}`.slice(0, 200),
        },
      });
    }
    return result({ ...answer, body: body.body });
  } catch (error) {
    if (signal?.aborted) return result({ aborted: true });
    if (limit.timedOut) {
      return result({ failure: { kind: "timeout", message: `no answer within ${timeoutMs} ms` } });
    }
    if (error instanceof RequestRefusedError) {
      // Refused before anything went out, or (after a redirect) only the redirected request did.
      return error.sent
        ? result({ failure: { kind: "redirect_refused", message: error.message } })
        : result({ unsent: true, failure: { kind: "render", message: error.message } });
    }
    if (error instanceof TypeError || (error instanceof Error && error.name !== "Error")) {
      return result({ failure: { kind: "network", message: networkMessage(error, secrets) } });
    }
    throw error;
  } finally {
    limit.release();
  }
}

function networkMessage(error: Error, secrets: readonly string[]): string {
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
  // forEach, not for…of: a third of the cost per response.
  let kept: Record<string, string> | undefined;
  headers.forEach((value, name) => {
    if (KEPT_HEADERS.test(name)) (kept ??= {})[name] = redactSecrets(value, secrets);
  });
  return kept ? JSON.stringify(kept) : null;
}
