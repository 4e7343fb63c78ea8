/**
 * A paginated search API for the tests of `--next`, on 127.0.0.1: each
 * query `q` has `pages(q)` pages of two results each, served in one of the
 * four styles, with a 503 before the first answer of every page when asked.
 * It counts the 2xx answers of every page, so a test can tell each page was
 * served exactly once.
 *
 * - `GET /link?q=&page=`: a `Link` header naming the next page (`linkForm`).
 * - `GET /url?q=&page=`: the next page's URL at `links.next` (or `@odata.nextLink`
 *   with `odata`), relative unless `absolute`.
 * - `POST /cursor` `{ q, cursor }`: the next cursor at `next_cursor` (`cursorForm`).
 * - `GET /page?q=&page=`: `results` empty past the last page.
 *
 * @module
 */

/** Options of {@linkcode servePaged}. */
export interface PagedServerOptions {
  /** Pages of a query. @default {() => 3} */
  pages?: (q: string) => number;
  /** Answer 503 once before each page's first 2xx. @default false */
  failFirst?: boolean;
  /** The Link header's form. @default "quoted" */
  linkForm?: "quoted" | "unquoted" | "list" | "several" | "absolute";
  /** `url` style: the next URL absolute (else relative). @default false */
  absolute?: boolean;
  /** `url` style: the next URL at `@odata.nextLink` (else `links.next`). @default false */
  odata?: boolean;
  /** `cursor` style: a string, a number, or a `search_after` array. @default "string" */
  cursorForm?: "string" | "number" | "array";
  /** How the last page says so: no field, null, or an empty value. @default "missing" */
  lastForm?: "missing" | "null" | "empty";
  /** A loop: from page `from` on, every page names page `to` as its next. @default undefined */
  loop?: { from: number; to: number };
}

/** A running paged server. */
export interface PagedServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** 2xx answers per `style|q|page`. */
  served: Map<string, number>;
  /** Requests per `style|q|page`, whatever the answer. */
  requests: Map<string, number>;
  /** Idempotency-Key headers received, per `style|q|page`. */
  keys: Map<string, string[]>;
  /** The Authorization header of every request, in order (null for none). */
  authorizations: (string | null)[];
  /** Stops it. */
  shutdown(): Promise<void>;
}

/** A sort value beyond 2^53, as a search_after cursor holds it. */
const bigSort = (page: number) => `1234567890123456789${page}`;
/** `JSON.rawJSON`: a number written as its digits. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** The results of page `page` of `q`. */
export function pageResults(q: string, page: number): { id: string; rank: number }[] {
  return [1, 2].map((rank) => ({ id: `${q}-${page}-${rank}`, rank }));
}

/** Serves the paginated API; see the module doc. */
export function servePaged(options: PagedServerOptions = {}): PagedServer {
  const {
    pages = () => 3,
    failFirst = false,
    linkForm = "quoted",
    absolute = false,
    odata = false,
    cursorForm = "string",
    lastForm = "missing",
    loop,
  } = options;
  const served = new Map<string, number>();
  const requests = new Map<string, number>();
  const keys = new Map<string, string[]>();
  const authorizations: (string | null)[] = [];
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const cursorOf = (page: number): unknown =>
    cursorForm === "number"
      ? page * 10
      : cursorForm === "array"
      ? [rawJson(bigSort(page)), `id-${page}`]
      : `c${page}`;
  const pageOfCursor = (cursor: unknown): number =>
    cursor === null || cursor === undefined
      ? 1
      : cursorForm === "number"
      ? Number(cursor) / 10
      : cursorForm === "array"
      ? Number(String((cursor as unknown[])[1]).slice(3))
      : Number(String(cursor).slice(1));

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const style = url.pathname.slice(1);
    authorizations.push(req.headers.get("authorization"));
    let q: string;
    let page: number;
    if (style === "cursor") {
      const text = await req.text();
      const body = JSON.parse(text) as { q: string; cursor: unknown };
      q = body.q;
      page = pageOfCursor(body.cursor);
      // A search_after value beyond 2^53 must come back digit for digit.
      if (cursorForm === "array" && page > 1 && !text.includes(`[${bigSort(page)},`)) {
        return Response.json({ error: `cursor changed: ${text}` }, { status: 400 });
      }
    } else {
      q = url.searchParams.get("q") ?? "";
      page = Number(url.searchParams.get("page") ?? "1");
    }
    const id = `${style}|${q}|${page}`;
    bump(requests, id);
    keys.set(id, [...keys.get(id) ?? [], req.headers.get("idempotency-key") ?? ""]);
    if (failFirst && (requests.get(id) ?? 0) === 1) {
      return Response.json({ error: "try again" }, { status: 503 });
    }
    bump(served, id);
    const last = pages(q);
    const nextPage = loop && page >= loop.from ? loop.to : page < last ? page + 1 : undefined;
    const results = style === "page" && page > last ? [] : pageResults(q, page);
    const headers = new Headers({ "content-type": "application/json" });
    const pageUrl = (n: number, abs: boolean) =>
      `${abs ? url.origin : ""}/${style}?q=${encodeURIComponent(q)}&page=${n}`;
    const body: Record<string, unknown> = { query: q, page, results };
    if (style === "link" && nextPage !== undefined) {
      const next = pageUrl(nextPage, linkForm === "absolute");
      const lastLink = `<${pageUrl(last, false)}>; rel="last"`;
      headers.set(
        "link",
        linkForm === "unquoted"
          ? `<${next}>; rel=next`
          : linkForm === "list"
          ? `${lastLink}, <${next}>; title="a, b; c"; rel="next prefetch"`
          : linkForm === "several"
          ? `<${pageUrl(1, false)}>; rel="first", <${next}>; rel="next"`
          : `<${next}>; rel="next", ${lastLink}`,
      );
      if (linkForm === "several") headers.append("link", lastLink);
    }
    if (style === "url") {
      const next = nextPage === undefined
        ? (lastForm === "null" ? null : lastForm === "empty" ? "" : undefined)
        : pageUrl(nextPage, absolute);
      if (odata) {
        if (next !== undefined) body["@odata.nextLink"] = next;
      } else if (next !== undefined) body.links = { next };
      else body.links = {};
    }
    if (style === "cursor") {
      const next = nextPage === undefined
        ? (lastForm === "null" ? null : lastForm === "empty" ? "" : undefined)
        : cursorOf(nextPage);
      if (next !== undefined) body.next_cursor = next;
    }
    return new Response(JSON.stringify(body), { headers });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    served,
    requests,
    keys,
    authorizations,
    shutdown: () => server.shutdown(),
  };
}
