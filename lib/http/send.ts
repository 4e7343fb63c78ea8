/**
 * One HTTP attempt: fetch with a timeout and a body size cap, never throwing
 * for network trouble (that is an observation, classified by the outcome policy).
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { deadline } from "./deadline.ts";
import { fetchFollowing } from "./fetch_following.ts";
import type { AttemptFailure } from "../run/outcome.ts";
import type { RenderedRequest } from "../job/template.ts";

/** Options for {@linkcode send}. */
export interface SendOptions {
  /** Per-attempt timeout. @default 30_000 */
  timeoutMs?: number;
  /** Largest response body accepted. @default 10_000_000 */
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
  body?: string;
  url?: string;
  failure?: AttemptFailure;
  /** True when the caller's signal stopped the attempt. */
  aborted?: boolean;
  durationMs: number;
}

/**
 * Sends one request. Resolves in every case but a programming error.
 *
 * @example Usage
 * ```ts no-assert
 * import { send } from "./send.ts";
 * const result = await send(
 *   { url: "http://127.0.0.1:1/", method: "GET", headers: {}, body: undefined },
 *   { timeoutMs: 1000 },
 * );
 * // result.failure?.kind === "network" (nothing listens on port 1)
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
  const started = performance.now();
  const limit = deadline(timeoutMs, signal);
  const result = (fields: Omit<SendResult, "durationMs">): SendResult => ({
    ...fields,
    durationMs: performance.now() - started,
  });
  try {
    const { response, url, tooMany } = await fetchFollowing(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: limit.signal,
    }, { maxRedirects, fetch });
    if (tooMany) {
      await response.body?.cancel();
      return result({
        status: response.status,
        headers: response.headers,
        url,
        failure: {
          kind: "too_many_redirects",
          message: `more than ${maxRedirects} redirects (--max-redirects)`,
        },
      });
    }
    const body = await readBody(response, maxBodyBytes);
    if (body === undefined) {
      return result({
        status: response.status,
        headers: response.headers,
        url,
        failure: {
          kind: "body_too_large",
          message: `response body over ${maxBodyBytes} bytes (--max-body)`,
        },
      });
    }
    return result({
      status: response.status,
      headers: response.headers,
      body,
      url,
    });
  } catch (error) {
    if (signal?.aborted) return result({ aborted: true });
    if (limit.timedOut) {
      return result({ failure: { kind: "timeout", message: `no answer within ${timeoutMs} ms` } });
    }
    if (error instanceof TypeError || (error instanceof Error && error.name !== "Error")) {
      return result({ failure: { kind: "network", message: networkMessage(error) } });
    }
    throw error;
  } finally {
    limit.release();
  }
}

async function readBody(response: Response, maxBytes: number): Promise<string | undefined> {
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (length > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (length <= maxBytes || !response.body) return await response.text();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function networkMessage(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause.message : "";
  const text = `${error.message}${cause ? `: ${cause}` : ""}`;
  const code =
    /(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|Connection refused|connection reset|error sending request)/i
      .exec(text);
  return code ? `${code[1]} (${text.slice(0, 200)})` : text.slice(0, 200);
}

/** Headers kept with a stored response: pacing and content information, no secrets. */
const KEPT_HEADERS = /^(content-type|retry-after|ratelimit.*|x-ratelimit.*|location|date|etag)$/i;

/** The subset of response headers worth storing, as JSON (or null). */
export function selectHeaders(headers: Headers | undefined): string | null {
  if (!headers) return null;
  // forEach, not for…of: a third of the cost per response.
  let kept: Record<string, string> | undefined;
  headers.forEach((value, name) => {
    if (KEPT_HEADERS.test(name)) (kept ??= {})[name] = value;
  });
  return kept ? JSON.stringify(kept) : null;
}
