import assert from "node:assert/strict";
import { fromFileUrl } from "../lib/util/from_file_url.ts";
import { run } from "../lib/mod.ts";
import { serveMockApi } from "../lib/mock/mod.ts";
import { openSqlClient } from "../lib/store/sql_client.ts";
import searchHits from "./search_hits_processor.ts";

Deno.test("search_hits_processor turns the mock API's search answers into rows", async () => {
  const rows = await searchHits.process(
    {
      key: "q1",
      status: 200,
      body: { results: [{ rank: 1, title: "Deno", url: "https://deno.test/a" }] },
      text: null,
      headers: {},
      url: null,
      at: 0,
    },
    { id: "q1", q: "deno" },
  );
  assert.deepEqual(rows, {
    search_hits: [{
      key: "q1",
      q: "deno",
      rank: 1,
      title: "Deno",
      url: "https://deno.test/a",
      host: "deno.test",
    }],
    search_queries: [{ key: "q1", q: "deno", results: 1, answered_at: "1970-01-01T00:00:00.000Z" }],
  });
  assert.throws(
    () =>
      searchHits.process({
        key: "q2",
        status: 200,
        body: "oops",
        text: "oops",
        headers: {},
        url: null,
        at: 0,
      }, {}),
    /no results array/,
  );
});

Deno.test("search_hits_processor, loaded by path, fills its tables in a run against the mock API", async () => {
  const mock = serveMockApi();
  const dir = await Deno.makeTempDir();
  try {
    const queries = ["deno", "libsql", "hono", "sqlite"].map((q, i) => ({ id: `q${i}`, q }));
    const summary = await run({
      queries,
      request: { url: `http://127.0.0.1:${mock.port}/search`, body: '{"q":"{{q}}"}' },
      db: `file:${dir}/hits.db`,
      rate: "none",
      processor: fromFileUrl(new URL("./search_hits_processor.ts", import.meta.url)),
    });
    assert.equal(summary.counts.done, 4);
    const db = openSqlClient(`file:${dir}/hits.db`);
    try {
      const [hits, results, queriesRows] = (await db.query([
        `SELECT (SELECT count(*) FROM search_hits),
                (SELECT sum(json_array_length(body, '$.results')) FROM responses),
                (SELECT count(*) FROM search_queries)`,
      ])).rows[0]!;
      assert.equal(hits, results);
      assert.equal(queriesRows, 4);
    } finally {
      db.close();
    }
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
