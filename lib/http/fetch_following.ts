/**
 * Redirects followed by hand, up to a limit, as `fetch` would follow them:
 * 303 (and 301/302 after a POST) become a GET without a body, 307/308 keep
 * the method and body, and credentials are not carried to another origin.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIALS = new Set(["authorization", "cookie", "proxy-authorization"]);

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
}

/** Options for {@linkcode fetchFollowing}. */
export interface FetchFollowingOptions {
  /** Redirects followed before giving up. @default 10 */
  maxRedirects?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Sends a request and follows its redirects up to `maxRedirects`.
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
 * ```
 */
export async function fetchFollowing(
  url: string,
  init: RequestInit,
  options: FetchFollowingOptions = {},
): Promise<FollowedResponse> {
  const { maxRedirects = DEFAULTS.maxRedirects, fetch = globalThis.fetch } = options;
  let current = url;
  let next: RequestInit = { ...init, redirect: "manual" };
  for (let redirects = 0;; redirects++) {
    const response = await fetch(current, next);
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || location === null) {
      return { response, url: current, redirects, tooMany: false };
    }
    if (redirects >= maxRedirects) return { response, url: current, redirects, tooMany: true };
    await response.body?.cancel();
    const target = new URL(location, current);
    const headers = new Headers(next.headers);
    if (target.origin !== new URL(current).origin) {
      for (const name of CREDENTIALS) headers.delete(name);
    }
    const method = (next.method ?? "GET").toUpperCase();
    const toGet = response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === "POST");
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
