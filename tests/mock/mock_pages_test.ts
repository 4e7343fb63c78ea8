/**
 * The mock API's paginated search, in each of its four styles, followed by
 * `--next` (run()): a query's pages from a hash of it, every page answered
 * once, its results once in the user's table.
 */
import assert from "node:assert/strict";
import { createMockApi } from "../../lib/mock/mock_api.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { run } from "../../lib/run/run.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";

const STYLES = {
  link: { url: "/pages/link?q={{q}}", next: "link" },
  url: { url: "/pages/url?q={{q}}", next: "url:$.links.next" },
  cursor: { url: "/pages/cursor?q={{q}}&cursor={{page.cursor}}", next: "cursor:$.next_cursor" },
  number: { url: "/pages/number?q={{q}}&page={{page.number}}", next: "page:$.results" },
};

for (const [style, { url, next }] of Object.entries(STYLES)) {
  Deno.test(`mock /pages/${style}: every page of every query once, its results in the table`, async () => {
    const mock = serveMockApi({ record: true, failRate: 0.2, seed: 7 });
    const dir = await Deno.makeTempDir();
    const db = `file:${dir}/mock.db`;
    try {
      const queries = Array.from({ length: 12 }, (_, i) => ({ id: i, q: `query ${i}` }));
      const summary = await run({
        queries,
        request: { url: `http://127.0.0.1:${mock.port}${url}` },
        db,
        rate: "none",
        retryBaseMs: 1,
        next,
        schema: "CREATE TABLE hits (key TEXT, page INTEGER, rank INTEGER, title TEXT)",
        into: `INSERT INTO hits SELECT :key, :page, j.value ->> '$.rank', j.value ->> '$.title'
               FROM json_each(:body, '$.results') AS j`,
      });
      // What the mock says each query has: its first page's `pages`.
      const pages = new Map<string, number>();
      for (const { q } of queries) {
        const res = await createMockApi().app.request(`/pages/link?q=${encodeURIComponent(q)}`);
        pages.set(q, (await res.json()).pages);
      }
      const total = [...pages.values()].reduce((a, b) => a + b, 0);
      assert.ok(total > queries.length, "some query has more than one page");
      // The numbered style asks for no empty page past a query's last: has_more says it is.
      const fetched = total;
      assert.equal(summary.counts.queriesDone, queries.length);
      assert.equal(summary.counts.done, fetched);
      assert.equal(mock.api.served.size, fetched, "every page's key answered");
      assert.deepEqual([...mock.api.served.values()].filter((n) => n !== 1), []);
      const sql = openSqlClient(db);
      const { rows } = await sql.query([
        "SELECT count(*), count(DISTINCT key || '/' || rank) FROM hits",
      ]);
      sql.close();
      assert.deepEqual(rows[0]!.map(Number), [total * 3, total * 3]);
    } finally {
      await mock.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
