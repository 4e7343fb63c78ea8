/**
 * Redirects followed by hand, up to a limit, as `fetch` would follow them:
 * 303 (and 301/302 after a POST) become a GET without a body, 307/308 keep
 * the method and body. Only `http:` and `https:` URLs are fetched, the first
 * one and every redirect's (`fetch` itself would read a `file:` or `data:`
 * URL). To another origin, credentials are not carried: neither
 * `Authorization`, `Cookie` and `Proxy-Authorization` nor any header whose
 * value holds a secret (an `{{env.NAME}}` value, such as an `X-Api-Key`). A
 * body that holds a secret cannot be carried without it: a redirect to
 * another origin that keeps the body (307, 308) is then not followed.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { redactSecrets } from "../job/redact_secrets.ts";
import { isNetworkError, NetworkError } from "./network_error.ts";
import { RequestRefusedError } from "./request_refused_error.ts";
import { headerField } from "../util/header_fields.ts";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIALS = new Set(["authorization", "cookie", "proxy-authorization"]);
// The URL parser reads the scheme up to the first colon, so a prefix test is exact
// (and stricter: leading spaces, which the parser would strip, are refused).
const HTTP_URL = /^https?:/i;
// Deno's fetch refuses the ports browsers block (1, 9, 25...) before connecting.
const BLOCKED_PORT = /^Fetch failed: Requests to port \d+ are blocked/;

/** What {@linkcode fetchFollowing} ended with. */
export interface FollowedResponse {
  /** The last response: the final answer, or the redirect that went over the limit. */
  response: Response;
  /** The URL that answered `response`. */
  url: string;
  /** Redirects followed. */
  redirects: number;
  /** True when `response` is a redirect that would have gone over the limit. */
  tooMany: boolean;
  /**
   * Set when `response` is a redirect sluice does not follow: to a URL it
   * does not fetch (not http(s), or no URL at all), or to another origin
   * with a body that holds a secret. Why, secrets redacted.
   */
  refused?: string;
}

/** Options for {@linkcode fetchFollowing}. */
export interface FetchFollowingOptions {
  /** Redirects followed before giving up. @default 10 */
  maxRedirects?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Secret values the request holds: a header holding one is not carried to
   * another origin, a body holding one stops a redirect there, and error
   * messages have them replaced by `***`.
   *
   * @default {[]}
   */
  secrets?: readonly string[];
}

/**
 * Sends a request and follows its redirects up to `maxRedirects`.
 *
 * @throws {RequestRefusedError} When the URL is not http(s), or `fetch`
 * refuses the request (a bad header, a bad URL): nothing of that request was
 * sent. Its `sent` says whether an earlier one (redirected) was. A redirect to
 * a URL that is not http(s) is not followed: see `refused`.
 * @throws {NetworkError} When `fetch` fails for the network (its error is the cause).
 *
 * @example Usage
 * ```ts
 * import { fetchFollowing } from "./fetch_following.ts";
 * import assert from "node:assert/strict";
 * const fake: typeof fetch = (input) =>
 *   Promise.resolve(
 *     String(input).endsWith("/a")
 *       ? new Response(null, { status: 302, headers: { location: "/b" } })
 *       : new Response("ok"),
 *   );
 * const followed = await fetchFollowing("http://x.test/a", {}, { fetch: fake });
 * assert.equal(followed.url, "http://x.test/b");
 * assert.equal(await followed.response.text(), "ok");
 * const stopped = await fetchFollowing("http://x.test/a", {}, { fetch: fake, maxRedirects: 0 });
 * assert.equal(stopped.tooMany, true);
 * await assert.rejects(fetchFollowing("file:///etc/passwd", {}, { fetch: fake }), {
 *   name: "RequestRefusedError",
 * });
 * const toFile: typeof fetch = () =>
 *   Promise.resolve(new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } }));
 * const refused = await fetchFollowing("http://x.test/a", {}, { fetch: toFile });
 * assert.equal(refused.response.status, 302);
 * assert.match(refused.refused!, /^redirect to a file: URL refused/);
 * ```
 */
export function fetchFollowing(
  url: string,
  init: RequestInit,
  options: FetchFollowingOptions = {},
): Promise<FollowedResponse> {
  const { maxRedirects = DEFAULTS.maxRedirects, fetch = globalThis.fetch, secrets = [] } = options;
  const redact = (text: string) => redactSecrets(text, secrets);
  if (!HTTP_URL.test(url)) {
    return Promise.reject(
      new RequestRefusedError(`only http and https URLs are fetched: ${redact(url)}`),
    );
  }
  // send() asks for manual redirects itself: no copy of its init per request.
  const first: RequestInit = init.redirect === "manual" ? init : { ...init, redirect: "manual" };
  // Most answers are no redirect: a handler on the first response, no async frame.
  return fetchOrRefuse(fetch, url, first, false, redact).then((response) =>
    isRedirect(response)
      ? followRedirects(response, url, first, { maxRedirects, fetch, secrets, redact })
      : { response, url, redirects: 0, tooMany: false }
  );
}

/** Whether `response` is a redirect with somewhere to go. */
function isRedirect(response: Response): boolean {
  return REDIRECTS.has(response.status) && headerField(response.headers, "location") !== null;
}

/** What following redirects works with: fetchFollowing's options, and its redaction. */
interface Following {
  maxRedirects: number;
  fetch: typeof globalThis.fetch;
  secrets: readonly string[];
  redact: (text: string) => string;
}

/** Follows `redirect`, the answer to `url` (sent with `init`), and the redirects after it. */
async function followRedirects(
  redirect: Response,
  url: string,
  init: RequestInit,
  { maxRedirects, fetch, secrets, redact }: Following,
): Promise<FollowedResponse> {
  let current = url;
  let next = init;
  let response = redirect;
  for (let redirects = 0;; redirects++) {
    if (redirects > 0) {
      response = await fetchOrRefuse(fetch, current, next, true, redact);
      if (!isRedirect(response)) return { response, url: current, redirects, tooMany: false };
    }
    const location = headerField(response.headers, "location")!;
    if (redirects >= maxRedirects) return { response, url: current, redirects, tooMany: true };
    const target = URL.parse(location, current);
    if (target === null || !HTTP_URL.test(target.protocol)) {
      const refused =
        `redirect to ${target === null ? "an invalid URL" : `a ${target.protocol} URL`}` +
        ` refused (only http and https are fetched): ${redact(location).slice(0, 200)}`;
      return { response, url: current, redirects, tooMany: false, refused };
    }
    const method = (next.method ?? "GET").toUpperCase();
    const toGet = response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === "POST");
    const crossOrigin = target.origin !== new URL(current).origin;
    if (crossOrigin && !toGet && typeof next.body === "string" && redact(next.body) !== next.body) {
      const refused = `redirect to another origin (${redact(target.origin)}) refused: the ` +
        "request's body holds a secret ({{env.NAME}}) that would go with it";
      return { response, url: current, redirects, tooMany: false, refused };
    }
    await response.body?.cancel();
    const headers = new Headers(next.headers);
    if (crossOrigin) {
      for (const name of CREDENTIALS) headers.delete(name);
      if (secrets.length > 0) {
        // Collected first: deleting while iterating Headers skips entries.
        const holding: string[] = [];
        headers.forEach((value, name) => {
          if (redact(value) !== value) holding.push(name);
        });
        for (const name of holding) headers.delete(name);
      }
    }
    if (toGet) {
      headers.delete("content-type");
      headers.delete("content-length");
    }
    next = {
      ...next,
      headers,
      ...(toGet ? { method: method === "HEAD" ? "HEAD" : "GET", body: null } : {}),
    };
    current = target.href;
  }
}

/**
 * Fetches; a rejection that a `Request` made of the same parts reproduces is
 * `fetch` refusing the request (nothing sent), anything else is the network's.
 */
function fetchOrRefuse(
  fetch: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
  sent: boolean,
  redact: (text: string) => string,
): Promise<Response> {
  // A handler on the promise, not an async function: one frame less per request.
  let sending: Promise<Response>;
  try {
    sending = fetch(url, init);
  } catch (error) {
    sending = Promise.reject(error); // a fetch that throws at once is read as one that rejects
  }
  return sending.catch((error) => {
    if (!(error instanceof TypeError)) {
      throw isNetworkError(error) ? new NetworkError(error) : error;
    }
    let refusal: unknown = BLOCKED_PORT.test(error.message) ? error : undefined;
    try {
      new Request(url, init);
    } catch (thrown) {
      refusal = thrown;
    }
    if (refusal === undefined) throw new NetworkError(error);
    // fetch's message may quote a header value: redacted, and no cause kept.
    const message = refusal instanceof Error ? refusal.message : String(refusal);
    throw new RequestRefusedError(`request refused: ${redact(message)}`, { sent });
  });
}
