/**
 * Pages in the store: a done page's next page is added in the transaction
 * that writes its answer, only while the page is leased to the writer; a
 * next page its query has had already ends the query (a loop); claims of a
 * paged job carry each page's number and next request, cursors exact.
 */
import assert from "node:assert/strict";
import { testDb } from "../_db.ts";
import { outcome } from "./_fixtures.ts";

async function pagedJob() {
  const db = await testDb();
  const job = await db.store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
  await db.store.queue.importItems(job.id, [[0, "a", '{"q":"a"}'], [1, "b", '{"q":"b"}']], 0);
  return { db, jobId: job.id };
}

Deno.test("a done page's next page is added with its answer: same key, seq and variables, its page and request", async () => {
  const { db, jobId } = await pagedJob();
  using _ = db;
  const [a, b] = await db.store.queue.claim(jobId, "w", 10, 0, 60_000, true);
  assert.deepEqual([a!.page, a!.next], [1, null]);
  const cursor = '{"cursor":[12345678901234567891,"x"]}';
  await db.store.results.write("w", jobId, [
    outcome(a!.id, { nextPage: { page: 2, request: cursor } }),
    outcome(b!.id, { pageEnd: "max_pages" }),
  ], 1);
  const rows = await db.rows(
    "SELECT key, seq, page, vars, next, status, page_end FROM items ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => [r.key, r.seq, r.page, r.vars, r.next, r.status, r.page_end]), [
    ["a", 0, 1, '{"q":"a"}', null, "done", null],
    ["b", 1, 1, '{"q":"b"}', null, "done", "max_pages"],
    ["a", 0, 2, '{"q":"a"}', cursor, "pending", null],
  ]);
  const [page2] = await db.store.queue.claim(jobId, "w", 10, 2, 60_000, true);
  // The cursor comes back digit for digit.
  assert.equal(JSON.stringify(page2!.next), cursor);
  assert.equal(page2!.page, 2);
  const counts = await db.store.queue.counts(jobId);
  assert.deepEqual([counts.total, counts.queries, counts.queriesDone, counts.inflight], [
    3,
    2,
    1,
    1,
  ]);
});

Deno.test("a next page is not added when the page is no longer leased to the writer", async () => {
  const { db, jobId } = await pagedJob();
  using _ = db;
  const [a] = await db.store.queue.claim(jobId, "w", 1, 0, 60_000, true);
  const update = outcome(a!.id, { nextPage: { page: 2, request: null } });
  const written = await db.store.results.write("someone else", jobId, [update], 1);
  assert.equal(written.applied, 0);
  assert.equal(await db.count("SELECT count(*) FROM items WHERE page = 2"), 0);
  await db.store.results.write("w", jobId, [update], 1);
  assert.equal(await db.count("SELECT count(*) FROM items WHERE page = 2"), 1);
});

Deno.test("a next page its query has had already is not added: the page ends the query, as a loop", async () => {
  const { db, jobId } = await pagedJob();
  using _ = db;
  const url = '{"url":"http://api.test/?page=2"}';
  const [a] = await db.store.queue.claim(jobId, "w", 1, 0, 60_000, true);
  await db.store.results.write("w", jobId, [
    outcome(a!.id, { nextPage: { page: 2, request: url } }),
  ], 1);
  const [p2] = (await db.store.queue.claim(jobId, "w", 10, 2, 60_000, true)).filter((i) =>
    i.page === 2
  );
  await db.store.results.write("w", jobId, [
    outcome(p2!.id, { nextPage: { page: 3, request: '{"url":"http://api.test/?page=3"}' } }),
  ], 3);
  const [p3] = (await db.store.queue.claim(jobId, "w", 10, 4, 60_000, true)).filter((i) =>
    i.page === 3
  );
  // Page 3 names page 2's request again.
  await db.store.results.write("w", jobId, [
    outcome(p3!.id, { nextPage: { page: 4, request: url } }),
  ], 5);
  assert.equal(await db.count("SELECT count(*) FROM items WHERE page = 4"), 0);
  assert.deepEqual(await db.store.reports.pageEnds(jobId), { loop: 1 });
  const counts = await db.store.queue.counts(jobId);
  assert.equal(counts.queriesDone, 1);
});
