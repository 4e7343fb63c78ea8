/**
 * Paginated APIs shaped as real ones are, beyond the four styles of
 * tests/run/pages_test.ts: a `has_more` flag beside the last item's id
 * (Stripe), a page count (`total_pages`, `meta.last_page` as text), a
 * `has_more` over numbered pages, a feed that names a next cursor even on its
 * empty last page, next URLs relative in every way a URL can be, and Link
 * headers spread over several header lines with quoted parameters. Each
 * server answers 503 before every page's first 2xx and 404 past a query's
 * last page: every page must be fetched exactly once, none past the last, and
 * its results land in the user's table once.
 */
import assert from "node:assert/strict";
import { run } from "../../lib/run/run.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";

/** Queries and how many pages each has (0: one page, empty). */
const PAGES: Record<string, number> = { a: 1, b: 2, c: 3, e: 0 };

/** What a shape's server reads from a request, and answers for one page of a query. */
interface Shape {
  /** The query and its page number, from the request. */
  read(url: URL, body: Record<string, unknown> | undefined): { q: string; page: number };
  /** The answer to page `page` of `q`, whose results are `items`; `origin` is the server's. */
  answer(q: string, page: number, items: Item[], origin: string): {
    body: unknown;
    headers?: [string, string][];
  };
  /** Pages a query is asked for past its results (an empty last page). @default 0 */
  emptyPages?: number;
}

interface Item {
  id: string;
}

/** The results of page `page` of `q`: two, none past its pages. */
const itemsOf = (q: string, page: number): Item[] =>
  page > PAGES[q]! ? [] : [1, 2].map((n) => ({ id: `${q}-${page}-${n}` }));

/** The last page the server has for `q`: its results, then the empty pages `shape` adds. */
const lastPage = (q: string, shape: Shape) => Math.max(PAGES[q]! + (shape.emptyPages ?? 0), 1);

/** Serves `shape`: 503 first for every page, 404 past the last; counts the 2xx per page. */
function serveShape(shape: Shape) {
  const served = new Map<string, number>();
  const tried = new Set<string>();
  const past: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const text = req.method === "POST" ? await req.text() : "";
    const { q, page } = shape.read(url, text ? JSON.parse(text) : undefined);
    const id = `${q}|${page}`;
    if (!(q in PAGES) || page > lastPage(q, shape)) {
      past.push(`${id} ${url.pathname}${url.search}`);
      return Response.json({ error: "no such page" }, { status: 404 });
    }
    if (!tried.has(id)) {
      tried.add(id);
      return Response.json({ error: "busy" }, { status: 503 });
    }
    served.set(id, (served.get(id) ?? 0) + 1);
    const { body, headers = [] } = shape.answer(q, page, itemsOf(q, page), url.origin);
    return Response.json(body, { headers });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    served,
    past,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/**
 * Runs the queries against `shape` with `next`, then checks: every page
 * fetched once (the empty ones a shape asks for too), none past the last,
 * every result in the table once.
 */
async function assertEveryPageOnce(
  shape: Shape,
  request: { url: string; method?: string; body?: string },
  next: string,
  resultsAt: string,
) {
  await using api = serveShape(shape);
  const dir = await Deno.makeTempDir();
  const db = `file:${dir}/shapes.db`;
  try {
    const summary = await run({
      queries: Object.keys(PAGES).map((q) => ({ id: q, q })),
      request: { ...request, url: request.url.replace("ORIGIN", api.origin) },
      db,
      rate: "none",
      concurrency: 3,
      retryBaseMs: 1,
      next,
      schema: "CREATE TABLE IF NOT EXISTS hits (key TEXT, page INTEGER, id TEXT)",
      into: `INSERT INTO hits SELECT :key, :page, j.value ->> '$.id'
             FROM json_each(:body, '${resultsAt}') AS j`,
    });
    assert.deepEqual(api.past, [], "asked for a page past the last");
    const want = new Map<string, number>();
    for (const q of Object.keys(PAGES)) {
      for (let page = 1; page <= lastPage(q, shape); page++) {
        want.set(`${q}|${page}`, 1);
      }
    }
    assert.deepEqual(new Map([...api.served].sort()), new Map([...want].sort()));
    assert.equal(summary.counts.queriesDone, 4);
    assert.equal(summary.counts.failed, 0);
    const sql = openSqlClient(db);
    const rows = (await sql.query(["SELECT key, page, id FROM hits ORDER BY id"])).rows;
    sql.close();
    const wanted = Object.keys(PAGES).flatMap((q) =>
      Array.from({ length: PAGES[q]! }, (_, p) => itemsOf(q, p + 1).map((i) => [q, p + 1, i.id]))
        .flat()
    ).sort((x, y) => String(x[2]).localeCompare(String(y[2])));
    assert.deepEqual(rows.map((r) => [r[0], Number(r[1]), r[2]]), wanted);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `?q=&page=` in the URL. */
const byPageParam: Shape["read"] = (url) => ({
  q: url.searchParams.get("q") ?? "",
  page: Number(url.searchParams.get("page") ?? 1),
});

Deno.test("has_more beside the last item's id (Stripe): 'cursor:$.data[#-1].id while $.has_more'", async () => {
  await assertEveryPageOnce(
    {
      read: (url) => {
        const q = url.searchParams.get("q") ?? "";
        const after = url.searchParams.get("starting_after") ?? "";
        return { q, page: after === "" ? 1 : Number(after.split("-")[1]) + 1 };
      },
      answer: (q, page, items) => ({
        body: { object: "list", data: items, has_more: page < PAGES[q]! },
      }),
    },
    { url: "ORIGIN/v1/charges?q={{q}}&starting_after={{page.cursor}}" },
    "cursor:$.data[#-1].id while $.has_more",
    "$.data",
  );
});

Deno.test("an API that refuses an empty starting_after= (Stripe): {{page.cursor?}} leaves it out on a query's first page", async () => {
  await assertEveryPageOnce(
    {
      read: (url) => {
        const q = url.searchParams.get("q") ?? "";
        const after = url.searchParams.get("starting_after");
        // An empty starting_after is refused: counted as a page past the last.
        if (after === "") return { q, page: Infinity };
        return { q, page: after === null ? 1 : Number(after.split("-")[1]) + 1 };
      },
      answer: (q, page, items) => ({
        body: { object: "list", data: items, has_more: page < PAGES[q]! },
      }),
    },
    { url: "ORIGIN/v1/charges?starting_after={{page.cursor?}}&q={{q}}&limit=2" },
    "cursor:$.data[#-1].id while $.has_more",
    "$.data",
  );
});

Deno.test("a page count: 'page:$.total_pages', and 'page:$.meta.last_page' given as text", async () => {
  await assertEveryPageOnce(
    {
      read: byPageParam,
      answer: (q, page, items) => ({
        body: { page, per_page: 2, total_pages: PAGES[q], results: items },
      }),
    },
    { url: "ORIGIN/search?q={{q}}&page={{page.number}}" },
    "page:$.total_pages",
    "$.results",
  );
  await assertEveryPageOnce(
    {
      read: byPageParam,
      answer: (q, page, items) => ({
        body: { data: items, meta: { current_page: String(page), last_page: String(PAGES[q]) } },
      }),
    },
    { url: "ORIGIN/search?q={{q}}&page={{page.number}}" },
    "page:$.meta.last_page",
    "$.data",
  );
});

Deno.test("numbered pages while a flag says more: 'page:$.has_more', and 'page:$.items while $.more'", async () => {
  const shape: Shape = {
    read: (_url, body) => ({ q: String(body?.q), page: Number(body?.page) }),
    answer: (q, page, items) => ({
      body: { items, has_more: page < PAGES[q]!, more: page < PAGES[q]! },
    }),
  };
  const request = {
    url: "ORIGIN/query",
    method: "POST",
    body: '{"q":"{{q}}","page":"{{page.number}}"}',
  };
  await assertEveryPageOnce(shape, request, "page:$.has_more", "$.items");
  // Without the flag the full last page would ask for one more.
  await assertEveryPageOnce(shape, request, "page:$.items while $.more", "$.items");
});

Deno.test("a feed naming a next cursor even on its empty last page: 'cursor:$.next while $.items'", async () => {
  await assertEveryPageOnce(
    {
      emptyPages: 1,
      read: (url) => ({
        q: url.searchParams.get("q") ?? "",
        page: Number(url.searchParams.get("cursor") || 0) + 1,
      }),
      answer: (_q, page, items) => ({ body: { items, next: page } }),
    },
    { url: "ORIGIN/feed?q={{q}}&cursor={{page.cursor}}" },
    "cursor:$.next while $.items",
    "$.items",
  );
});

/**
 * The next page of page `page` written as a URL can be, in turn: a path
 * segment, `./`, `../`, without the scheme, from the root, only a query.
 * The server reads the page from `page=` when given, else from the path.
 */
function relativeNext(q: string, page: number, origin: string): string | undefined {
  if (page >= Math.max(PAGES[q]!, 1)) return undefined;
  const n = page + 1;
  const forms = [
    `${n}?q=${q}`,
    `./${n}?q=${q}`,
    `../r/${n}?q=${q}`,
    `${origin.replace("http:", "")}/r/${n}?q=${q}`,
    `/r/${n}?q=${q}`,
    `?q=${q}&page=${n}`,
  ];
  return forms[(page - 1 + q.charCodeAt(0)) % forms.length];
}

const byPath: Shape["read"] = (url) => ({
  q: url.searchParams.get("q") ?? "",
  page: Number(url.searchParams.get("page") ?? url.pathname.split("/").pop()),
});

Deno.test("next URLs relative in every way, in the body: 'url:$.paging.next'", async () => {
  for (const last of [null, "", undefined]) {
    await assertEveryPageOnce(
      {
        read: byPath,
        answer: (q, page, items, origin) => ({
          body: { items, paging: { next: relativeNext(q, page, origin) ?? last } },
        }),
      },
      { url: "ORIGIN/r/1?q={{q}}" },
      "url:$.paging.next",
      "$.items",
    );
  }
});

Deno.test("Link headers over several lines, quoted parameters holding , ; and rel=, next among other rels", async () => {
  await assertEveryPageOnce(
    {
      read: byPath,
      answer: (q, page, items, origin) => {
        const next = relativeNext(q, page, origin);
        const headers: [string, string][] = [
          ["Link", `</r/1?q=${q}>; rel="first"; title="first, then; rel=next"`],
        ];
        if (next !== undefined) {
          headers.push([
            "Link",
            page % 2
              ? `<${next}>; title*=UTF-8'de'n%c3%a4chste; REL="Prefetch Next"`
              : `<${origin}/r/${page - 1 || 1}?q=${q}>; rel=prev, <${next}>;rel=next`,
          ]);
        }
        headers.push(["Link", `</r/${Math.max(PAGES[q]!, 1)}?q=${q}>; rel="last"`]);
        return { body: { items }, headers };
      },
    },
    { url: "ORIGIN/r/1?q={{q}}" },
    "link",
    "$.items",
  );
});

Deno.test("GraphQL connections: 'cursor:$.data.search.pageInfo.endCursor while ...hasNextPage', after null first", async () => {
  const info = "$.data.search.pageInfo";
  await assertEveryPageOnce(
    {
      read: (_url, body) => {
        const { q, after } = body!.variables as { q: string; after: string | null };
        // The first page's cursor is JSON null, not a string.
        return { q, page: after === null ? 1 : Number(atob(after).slice(5)) + 1 };
      },
      answer: (q, page, items) => ({
        body: {
          data: {
            search: {
              nodes: items,
              // The last page still names its end cursor; hasNextPage says it is the last.
              pageInfo: { hasNextPage: page < PAGES[q]!, endCursor: btoa(`page:${page}`) },
            },
          },
        },
      }),
    },
    {
      url: "ORIGIN/graphql",
      method: "POST",
      body: '{"query":"query($q: String!, $after: String) { search(query: $q, after: $after) ' +
        '{ nodes { id } pageInfo { hasNextPage endCursor } } }",' +
        '"variables":{"q":"{{q}}","after":"{{page.cursor}}"}}',
    },
    `cursor:${info}.endCursor while ${info}.hasNextPage`,
    "$.data.search.nodes",
  );
});

Deno.test("without while, has_more: false, hasNextPage: false or is_last: true beside a named cursor ends the pages", async () => {
  const flags: [string, (last: boolean) => Record<string, unknown>][] = [
    ["has_more", (last) => ({ has_more: !last })],
    ["hasNextPage", (last) => ({ pageInfo: { hasNextPage: !last } })],
    ["is_last", (last) => ({ is_last: last })],
  ];
  for (const [name, flag] of flags) {
    const cursorAt = name === "hasNextPage" ? "$.pageInfo.endCursor" : "$.next_cursor";
    await assertEveryPageOnce(
      {
        read: (url) => ({
          q: url.searchParams.get("q") ?? "",
          page: Number(url.searchParams.get("after") || 0) + 1,
        }),
        answer: (q, page, items) => {
          const body: Record<string, unknown> = { items, ...flag(page >= PAGES[q]!) };
          // The cursor is named on every page, the last one too.
          if (name === "hasNextPage") (body.pageInfo as Record<string, unknown>).endCursor = page;
          else body.next_cursor = page;
          return { body };
        },
      },
      { url: "ORIGIN/list?q={{q}}&after={{page.cursor}}" },
      `cursor:${cursorAt}`,
      "$.items",
    );
  }
});

Deno.test("without while, page:$.results stops at the page count beside it (total_pages, meta.last_page)", async () => {
  for (const meta of [false, true]) {
    await assertEveryPageOnce(
      {
        read: byPageParam,
        answer: (q, page, items) => ({
          body: meta
            ? { results: items, meta: { current_page: page, last_page: PAGES[q] } }
            : { page, total_pages: PAGES[q], results: items },
        }),
      },
      { url: "ORIGIN/search?q={{q}}&page={{page.number}}" },
      "page:$.results",
      "$.results",
    );
  }
});
