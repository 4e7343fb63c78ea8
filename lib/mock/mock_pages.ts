/**
 * The mock API's paginated search, in the four styles `--next` follows:
 *
 * - `/pages/link?q=`: the next page in a `Link: <…>; rel="next"` header (relative).
 * - `/pages/url?q=`: the next page's URL at `links.next` of the body (relative).
 * - `/pages/cursor?q=` (or `POST {"q", "cursor"}`): an opaque cursor at `next_cursor`,
 *   null on the last page; send it back as `cursor`.
 * - `/pages/number?q=&page=N`: `results` empty past the last page.
 *
 * A query's page count comes from a hash of `q` (1 to 5), or from `pages`
 * (a URL parameter or a body field); each page has three results. Every
 * answer also says `pages` (the count) and `has_more`, as many APIs do.
 *
 * @module
 */

/** The paginated styles, as the path names them. */
export const PAGE_STYLES = ["link", "url", "cursor", "number"] as const;

/** A paginated answer: status, body and headers to add. */
export interface MockPage {
  /** The HTTP status. */
  status: number;
  /** The body, JSON. */
  body: string;
  /** Headers to add (the Link header). */
  headers: [string, string][];
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A cursor that means nothing to a client: base64url of the page number. */
const cursorOf = (page: number) => btoa(`page:${page}`).replace(/=+$/, "");
const pageOfCursor = (cursor: unknown): number | undefined => {
  if (cursor === undefined || cursor === null || cursor === "") return 1;
  try {
    const match = /^page:(\d+)$/.exec(atob(String(cursor)));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The answer of a paginated route (`/pages/<style>`) to a request's URL and
 * body (parsed JSON, or undefined for a GET).
 *
 * @example Pages of the link style
 * ```ts
 * import { mockPage } from "./mock_pages.ts";
 * import assert from "node:assert/strict";
 * const first = mockPage("link", new URL("http://m.test/pages/link?q=deno&pages=2"), undefined);
 * assert.equal(first.status, 200);
 * assert.deepEqual(first.headers, [[
 *   "Link",
 *   '</pages/link?q=deno&pages=2&page=2>; rel="next", </pages/link?q=deno&pages=2&page=2>; rel="last"',
 * ]]);
 * const last = mockPage("link", new URL("http://m.test/pages/link?q=deno&pages=2&page=2"), undefined);
 * assert.deepEqual(last.headers, [["Link", '</pages/link?q=deno&pages=2&page=2>; rel="last"']]);
 * assert.equal(JSON.parse(last.body).results.length, 3);
 * assert.deepEqual([JSON.parse(first.body).has_more, JSON.parse(last.body).has_more], [true, false]);
 * ```
 */
export function mockPage(style: string, url: URL, body: unknown): MockPage {
  const fields = typeof body === "object" && body !== null ? body as Record<string, unknown> : {};
  const param = (name: string) => fields[name] ?? url.searchParams.get(name) ?? undefined;
  const q = param("q");
  if (typeof q !== "string" || q === "") return bad('Missing "q": expected a non-empty string');
  const given = param("pages");
  const pages = given === undefined ? 1 + (hash(q) % 5) : Number(given);
  if (!Number.isInteger(pages) || pages < 1) return bad(`Cannot use pages: '${given}'`);
  const page = style === "cursor" ? pageOfCursor(param("cursor")) : Number(param("page") ?? 1);
  if (page === undefined || !Number.isInteger(page) || page < 1) {
    return bad(`Cannot read the page of this request: ${url.search}`);
  }
  const results = page > pages ? [] : Array.from({ length: 3 }, (_, i) => {
    const rank = (page - 1) * 3 + i + 1;
    return { rank, title: `Result ${rank} for ${q}` };
  });
  const answer: Record<string, unknown> = { query: q, page, pages, results };
  const headers: [string, string][] = [];
  const link = (n: number) => {
    const next = new URLSearchParams(url.searchParams);
    next.set("page", String(n));
    return `${url.pathname}?${next}`;
  };
  const hasNext = page < pages;
  answer.has_more = hasNext;
  if (style === "link") {
    const last = `<${link(pages)}>; rel="last"`;
    headers.push(["Link", hasNext ? `<${link(page + 1)}>; rel="next", ${last}` : last]);
  } else if (style === "url") {
    answer.links = hasNext ? { next: link(page + 1) } : {};
  } else if (style === "cursor") {
    answer.next_cursor = hasNext ? cursorOf(page + 1) : null;
  }
  return { status: 200, body: JSON.stringify(answer), headers };
}

function bad(error: string): MockPage {
  return { status: 400, body: JSON.stringify({ error }), headers: [] };
}
