/**
 * Follow-up pages through run(): each style against a local paginated API
 * with a 503 before every page's answer, every page fetched exactly once and
 * its results in the user's table via `into`, once each.
 */
import assert from "node:assert/strict";
import type { RequestTemplate } from "../../lib/job/template.ts";
import { run, type RunOptions } from "../../lib/run/run.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { type PagedServerOptions, servePaged } from "../_paged_server.ts";

const QUERIES = [{ id: "a", q: "alpha" }, { id: "b", q: "beta" }, { id: "c", q: "gamma" }, {
  id: "d",
  q: "delta",
}];
/** Pages of each query: 1 to 4. */
const PAGES: Record<string, number> = { alpha: 1, beta: 2, gamma: 3, delta: 4 };

const SCHEMA =
  "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, page INTEGER, rank INTEGER, id TEXT)";
const INTO = `INSERT INTO hits SELECT :key, :page, j.value ->> '$.rank', j.value ->> '$.id'
  FROM json_each(:body, '$.results') AS j`;

interface Outcome {
  served: Map<string, number>;
  keys: Map<string, string[]>;
  rows: unknown[][];
  responses: unknown[][];
  summary: Awaited<ReturnType<typeof run>>;
}

/** Runs the four queries against a paged server, with `options` for the run. */
async function runPaged(
  request: RequestTemplate,
  next: RunOptions["next"],
  server: PagedServerOptions = {},
  options: Partial<RunOptions> = {},
): Promise<Outcome> {
  const api = servePaged({ pages: (q) => PAGES[q] ?? 1, failFirst: true, ...server });
  const dir = await Deno.makeTempDir();
  const db = `file:${dir}/pages.db`;
  try {
    const summary = await run({
      queries: QUERIES,
      request: { ...request, url: request.url.replace("ORIGIN", api.origin) },
      db,
      rate: "none",
      concurrency: 3,
      retryBaseMs: 1,
      ...(next === undefined ? {} : { next }),
      schema: SCHEMA,
      into: INTO,
      ...options,
    });
    const sql = openSqlClient(db);
    const rows = (await sql.query(["SELECT key, page, rank, id FROM hits ORDER BY id"])).rows;
    const responses = (await sql.query([
      "SELECT i.key, r.page, i.page, r.status FROM responses r JOIN items i ON i.id = r.item " +
      "ORDER BY i.key, r.page",
    ])).rows;
    sql.close();
    return { served: api.served, keys: api.keys, rows, responses, summary };
  } finally {
    await api.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every page of every query served once, and its two results in the table once. */
function assertEveryPageOnce(style: string, o: Outcome, extra = 0) {
  const expected = new Map<string, number>();
  for (const { q } of QUERIES) {
    for (let page = 1; page <= PAGES[q]! + extra; page++) expected.set(`${style}|${q}|${page}`, 1);
  }
  assert.deepEqual(new Map([...o.served].sort()), new Map([...expected].sort()));
  const ids = o.rows.map((r) => r[3]);
  assert.equal(new Set(ids).size, ids.length, "a result row twice");
  const wanted = QUERIES.flatMap(({ id, q }) =>
    Array.from({ length: PAGES[q]! * 2 }, (_, i) => [id, Math.floor(i / 2) + 1, (i % 2) + 1])
  );
  assert.deepEqual(
    o.rows.map((r) => [r[0], Number(r[1]), Number(r[2])]).sort(),
    wanted.sort(),
  );
  for (const r of o.responses) assert.equal(r[1], r[2], "a response's page is its item's");
  const counts = o.summary.counts;
  assert.equal(counts.queries, 4);
  assert.equal(counts.queriesDone, 4);
  assert.equal(counts.total, 10 + 4 * extra);
  assert.equal(counts.done, 10 + 4 * extra);
}

Deno.test("--next link: every page of every query once, 503s on the way, its rows once", async () => {
  const o = await runPaged({ url: "ORIGIN/link?q={{q}}" }, "link");
  assertEveryPageOnce("link", o);
});

for (const linkForm of ["unquoted", "list", "several", "absolute"] as const) {
  Deno.test(`--next link: a Link header written ${linkForm}`, async () => {
    const o = await runPaged({ url: "ORIGIN/link?q={{q}}" }, "link", { linkForm });
    assertEveryPageOnce("link", o);
  });
}

Deno.test("--next url:$.links.next, relative and absolute; @odata.nextLink", async () => {
  for (const absolute of [false, true]) {
    const o = await runPaged({ url: "ORIGIN/url?q={{q}}" }, "url:$.links.next", {
      absolute,
    });
    assertEveryPageOnce("url", o);
  }
  const o = await runPaged({ url: "ORIGIN/url?q={{q}}" }, 'url:$."@odata.nextLink"', {
    odata: true,
    absolute: true,
  });
  assertEveryPageOnce("url", o);
});

Deno.test("--next url: the last page says so with null, an empty string or no field", async () => {
  for (const lastForm of ["null", "empty", "missing"] as const) {
    const o = await runPaged({ url: "ORIGIN/url?q={{q}}" }, "url:$.links.next", {
      lastForm,
    });
    assertEveryPageOnce("url", o);
  }
});

Deno.test("--next cursor: strings, numbers, search_after arrays beyond 2^53 go back as {{page.cursor}}", async () => {
  for (const cursorForm of ["string", "number", "array"] as const) {
    const o = await runPaged(
      { url: "ORIGIN/cursor", body: '{"q":"{{q}}","cursor":"{{page.cursor}}"}' },
      "cursor:$.next_cursor",
      { cursorForm, lastForm: cursorForm === "array" ? "empty" : "null" },
    );
    assertEveryPageOnce("cursor", o);
  }
});

Deno.test("--next page:$.results: {{page.number}} while the results are not empty", async () => {
  const o = await runPaged({ url: "ORIGIN/page?q={{q}}&page={{page.number}}" }, "page:$.results");
  // The page past the last is fetched too: its empty results say it is the last.
  assertEveryPageOnce("page", o, 1);
});

Deno.test("every page has its own Idempotency-Key: the query's, with the page after the first", async () => {
  const o = await runPaged({ url: "ORIGIN/link?q={{q}}" }, "link");
  const delta = [1, 2, 3, 4].map((page) => o.keys.get(`link|delta|${page}`)!);
  const prefix = delta[0]![0]!;
  for (const [i, sent] of delta.entries()) {
    // The 503 and the answer carry the same key.
    assert.equal(sent.length, 2);
    assert.equal(sent[0], sent[1]);
    assert.equal(sent[0], i === 0 ? prefix : `${prefix}:${i + 1}`);
  }
});

Deno.test("a page loop (the same cursor again) ends at the second sight, not at --max-pages", async () => {
  const cursor = { url: "ORIGIN/cursor", body: '{"q":"{{q}}","cursor":"{{page.cursor}}"}' };
  // Page 2 names its own cursor again; then page 3 names page 2's.
  for (const [loop, fetched] of [[{ from: 2, to: 2 }, 2], [{ from: 3, to: 2 }, 3]] as const) {
    const o = await runPaged(cursor, "cursor:$.next_cursor", {
      loop,
      pages: () => 10,
    }, { maxPages: 50 });
    for (const { q } of QUERIES) {
      for (let page = 1; page <= fetched; page++) {
        assert.equal(o.served.get(`cursor|${q}|${page}`), 1, `${q} page ${page}`);
      }
      assert.equal(o.served.get(`cursor|${q}|${fetched + 1}`), undefined);
    }
    assert.equal(o.summary.counts.total, 4 * fetched);
    assert.equal(o.summary.counts.queriesDone, 4);
  }
});

Deno.test("a URL loop back to an earlier page, or the first, ends at the second sight", async () => {
  for (const loop of [{ from: 3, to: 2 }, { from: 3, to: 1 }, { from: 2, to: 2 }]) {
    const o = await runPaged({ url: "ORIGIN/url?q={{q}}&page=1" }, "url:$.links.next", {
      loop,
      pages: () => 10,
    });
    for (const { q } of QUERIES) {
      for (let page = 1; page <= loop.from; page++) {
        assert.equal(o.served.get(`url|${q}|${page}`), 1, `${q} page ${page}, loop ${loop.to}`);
      }
      assert.equal(o.served.get(`url|${q}|${loop.from + 1}`), undefined);
    }
  }
});

Deno.test("--max-pages ends a query's pages", async () => {
  const o = await runPaged({ url: "ORIGIN/link?q={{q}}" }, "link", {}, {
    maxPages: 2,
  });
  assert.equal(o.served.get("link|delta|2"), 1);
  assert.equal(o.served.get("link|delta|3"), undefined);
  assert.equal(o.summary.counts.queriesDone, 4);
});

Deno.test("run({ next }) takes a function: { vars } over the query's, { url } relative, or nothing", async () => {
  const byVars = await runPaged(
    { url: "ORIGIN/page?q={{q}}&page={{n}}" },
    (answer) => {
      const body = answer.body as { page: number; results: unknown[] };
      return body.results.length > 0 ? { vars: { n: body.page + 1 } } : undefined;
    },
    {},
    { queries: QUERIES.map((q) => ({ ...q, n: 1 })) },
  );
  assertEveryPageOnce("page", byVars, 1);
  const byUrl = await runPaged({ url: "ORIGIN/link?q={{q}}" }, (answer) => {
    const next = /<([^>]+)>; rel="next"/.exec(answer.headers.link ?? "")?.[1];
    assert.equal(answer.page, Number(new URL(answer.url!).searchParams.get("page") ?? 1));
    return next ? { url: next } : undefined;
  });
  assertEveryPageOnce("link", byUrl);
});

Deno.test("a next function that throws fails its page (class next), with its message", async () => {
  const o = await runPaged({ url: "ORIGIN/link?q={{q}}" }, (answer) => {
    if (answer.page === 2) throw new Error("no idea what comes next");
    return {
      url: `/link?q=${encodeURIComponent(String((answer.body as { query: string }).query))}&page=${
        answer.page! + 1
      }`,
    };
  });
  // alpha has one page: its page 2 is asked for by the function, and is served empty-handed.
  assert.equal(o.summary.counts.failed, 4);
  assert.equal(o.summary.stats.errors["next: no idea what comes next"], 4);
});

Deno.test("a processor's next names the next page: { cursor } back as {{page.cursor}}, null for none", async () => {
  const o = await runPaged(
    { url: "ORIGIN/cursor", body: '{"q":"{{q}}","cursor":"{{page.cursor}}"}' },
    undefined,
    { cursorForm: "number", lastForm: "null" },
    {
      schema: undefined,
      into: undefined,
      processor: {
        schema: SCHEMA,
        process: (answer) => {
          const body = answer.body as {
            results: { id: string; rank: number }[];
            next_cursor: unknown;
          };
          return {
            hits: body.results.map((r) => ({
              key: answer.key,
              page: answer.page,
              rank: r.rank,
              id: r.id,
            })),
            next: body.next_cursor === null ? null : { cursor: body.next_cursor },
          };
        },
      },
    },
  );
  assertEveryPageOnce("cursor", o);
});

Deno.test("a next URL that holds an {{env.NAME}} value is followed, and never stored with it", async () => {
  const token = "tok/en+s3cret";
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push(url.searchParams.get("key") ?? "");
    const page = Number(url.searchParams.get("page") ?? 1);
    // The API echoes the key into its next link, encoded.
    const next = page < 3
      ? `${url.pathname}?key=${encodeURIComponent(token)}&page=${page + 1}`
      : null;
    return Response.json({ page, results: [page], links: { next } });
  });
  const dir = await Deno.makeTempDir();
  try {
    const db = `file:${dir}/env.db`;
    const summary = await run({
      queries: [{ id: "a" }],
      request: { url: `http://127.0.0.1:${server.addr.port}/s?key={{env.PAGES_KEY}}` },
      db,
      rate: "none",
      next: "url:$.links.next",
      env: (name) => name === "PAGES_KEY" ? token : undefined,
    });
    assert.equal(summary.counts.queriesDone, 1);
    assert.deepEqual(seen, [token, token, token]);
    const sql = openSqlClient(db);
    const { rows } = await sql.query(["SELECT next FROM items WHERE page > 1 ORDER BY page"]);
    sql.close();
    assert.equal(rows.length, 2);
    for (const [next] of rows) {
      assert.ok(!String(next).includes("s3cret"), String(next));
      assert.match(String(next), /key=\{\{env\.PAGES_KEY:1\}\}/);
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
