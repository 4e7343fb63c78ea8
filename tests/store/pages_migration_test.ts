/**
 * A database made before follow-up pages (every item a query, no page
 * column) keeps working after the migration that gives items their page.
 */
import assert from "node:assert/strict";
import { compileTemplate } from "../../lib/job/template.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { MIGRATIONS } from "../../lib/store/migrations.ts";
import { openStore } from "../../lib/store/store.ts";
import { execute } from "../_db.ts";

/** The schema version just before items had pages. */
const BEFORE_PAGES = MIGRATIONS.findIndex((m) =>
  m.some((sql) => sql.includes("ADD COLUMN page INTEGER"))
);

Deno.test("a job of a database made before pages resumes after the migration, its items page 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-pages-migrate-" });
  const url = `file:${dir}/old.db`;
  try {
    assert.ok(BEFORE_PAGES > 0);
    await execute(url, [
      ...MIGRATIONS.slice(0, BEFORE_PAGES).flat(),
      `PRAGMA user_version = ${BEFORE_PAGES}`,
      `INSERT INTO jobs (id, name, created, request, options, idem_prefix, next_seq, updated)
       VALUES (1, 'j', 0, '{"url":"http://api.test/?q={{q}}"}', '{}', 'p', 3, 0)`,
      `INSERT INTO items (job, seq, key, vars, status, attempts, sends, last_status, last_error,
                          error_class)
       VALUES (1, 0, 'a', '{"q":"a"}', 'done', 1, 1, 200, NULL, NULL),
              (1, 1, 'b', '{"q":"b"}', 'failed', 1, 1, 404, 'http 404', 'http_4xx'),
              (1, 2, 'c', '{"q":"c"}', 'pending', 0, 0, NULL, NULL, NULL)`,
      `INSERT INTO responses (job, seq, item, attempt, status, body, at)
       SELECT 1, seq, id, 1, last_status, '{"old":true}', 0 FROM items WHERE sends > 0`,
    ]);
    const store = await openStore(url);
    try {
      const before = await store.queue.counts(1);
      assert.deepEqual(
        [before.total, before.queries, before.queriesDone, before.pending],
        [3, 3, 1, 1],
      );
      // Importing the same keys again adds nothing: keys stay unique per job (and page).
      assert.equal(await store.queue.importItems(1, [[0, "a", '{"q":"a"}']], 0), 0);
      const job = (await store.jobs.find("j"))!;
      const sent: string[] = [];
      const summary = await runJob(store, job, compileTemplate(job.request), {
        rate: { kind: "none" },
        fetch: (input, init) => {
          sent.push(`${input} ${new Headers(init?.headers).get("idempotency-key")}`);
          return Promise.resolve(new Response('{"new":true}'));
        },
      });
      // The pending item is sent as it was, with the key it always had.
      assert.deepEqual(sent, ["http://api.test/?q=c p:2"]);
      assert.deepEqual(
        [summary.counts.done, summary.counts.failed, summary.counts.queriesDone],
        [2, 1, 2],
      );
      const detail = await store.reports.itemWithResponses(1, "a");
      assert.equal(detail?.responses[0]?.body, '{"old":true}');
      const rows = await Array.fromAsync(store.reports.exportRows(1));
      assert.deepEqual(rows.map((r) => [r.key, r.page, r.state]), [
        ["a", 1, "done"],
        ["b", 1, "failed"],
        ["c", 1, "done"],
      ]);
      assert.equal(await store.queue.requeueFailed(1, "failed", 1), 1);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
