import assert from "node:assert/strict";
import { addJob, outcome } from "./_fixtures.ts";
import { testDb } from "../_db.ts";

Deno.test("ReportRepository.waitingItems() groups the unfinished items by their last answer, since when", async () => {
  using db = await testDb();
  const { store } = db;
  const jobId = await addJob(store, 12);
  const claimed = await store.queue.claim(jobId, "w", 12, 1_000, 60_000);
  const [a, b, c, d, e, f] = claimed;
  const retry = (id: number, lastStatus: number | null, attempts: number, at: number, error = "") =>
    outcome(id, {
      status: "pending",
      attempts,
      lastStatus,
      lastError: error || `http ${lastStatus}`,
      errorClass: lastStatus === null ? "timeout" : "http_5xx",
      nextAt: at + 4_000,
    });
  await store.results.write("w", jobId, [retry(a!.id, 503, 2, 10_000)], 10_000);
  await store.results.write("w", jobId, [retry(b!.id, 503, 3, 20_000)], 20_000);
  await store.results.write("w", jobId, [retry(c!.id, null, 1, 30_000, "timeout")], 30_000);
  await store.results.write("w", jobId, [outcome(d!.id)], 30_000); // done: not waiting
  await store.results.write("w", jobId, [retry(e!.id, 503, 1, 40_000)], 40_000);
  // Claimed again after its 503: in flight (or waiting for a send slot) now.
  await store.results.write("w", jobId, [retry(f!.id, 503, 4, 5_000)], 5_000);
  await store.leases.release(jobId, "w", 40_000);
  // The 6 never sent, then f (its next try the earliest): claimed by another worker.
  await store.queue.claim(jobId, "w2", 7, 50_000, 60_000);
  const groups = await store.reports.waitingItems(jobId);
  assert.deepEqual(groups.map((g) => [g.state, g.lastStatus, g.items, g.attempts, g.since]), [
    ["pending", 503, 3, { min: 1, max: 3, sum: 6 }, 10_000],
    ["inflight", 503, 1, { min: 4, max: 4, sum: 4 }, 50_000], // since it was claimed
    ["pending", null, 1, { min: 1, max: 1, sum: 1 }, 30_000],
  ]);
  assert.equal(groups[0]!.nextAt, 14_000);
  assert.equal(groups[2]!.errorClass, "timeout");
  // Cheap on millions: the plan reads the partial index of tried items only.
  const plan = await db.rows(`EXPLAIN QUERY PLAN SELECT count(*) FROM items INDEXED BY items_waiting
    WHERE job = 1 AND status IN ('pending', 'inflight')
      AND (last_status IS NOT NULL OR last_error IS NOT NULL)`);
  assert.match(JSON.stringify(plan), /items_waiting/);
  assert.equal(
    await db.count(
      "SELECT count(*) FROM items INDEXED BY items_waiting WHERE job = 1 AND status IN ('pending', 'inflight') AND (last_status IS NOT NULL OR last_error IS NOT NULL)",
    ),
    5,
  );
});
