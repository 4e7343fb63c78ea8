import assert from "node:assert/strict";
import { dbWith, items, outcome } from "./_fixtures.ts";

Deno.test("LeaseRepository.recover() returns expired and dead owners' items, possibly sent", async () => {
  using db = await dbWith(3);
  const { store, jobId } = db;
  const [expired] = await store.queue.claim(jobId, "expired", 1, 0, 100);
  await store.queue.claim(jobId, "alive", 1, 0, 10_000);
  await store.queue.claim(jobId, "dead", 1, 0, 10_000);
  assert.equal(await store.leases.recover(jobId, 500, ["dead"]), 2);
  const rows = await items(db);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.lease_owner, r.possibly_sent]), [
    ["k0", "pending", null, 1],
    ["k1", "inflight", "alive", 0],
    ["k2", "pending", null, 1],
  ]);
  const counts = await store.queue.counts(jobId);
  assert.deepEqual([counts.pending, counts.inflight, counts.possiblySent], [2, 1, 2]);
  // The expired owner's late answer no longer lands.
  const late = await store.results.write("expired", jobId, [outcome(expired!.id)], 600);
  assert.equal(late.applied, 0);
});

Deno.test("LeaseRepository.release() and renew() touch only the owner's items", async () => {
  using db = await dbWith(3);
  const { store, jobId } = db;
  await store.queue.claim(jobId, "A", 2, 0, 100);
  await store.queue.claim(jobId, "B", 1, 0, 100);
  await store.leases.renew(jobId, "A", 5000);
  assert.deepEqual(
    await db.rows("SELECT lease_owner AS o, lease_until AS u FROM items ORDER BY seq"),
    [{ o: "A", u: 5000 }, { o: "A", u: 5000 }, { o: "B", u: 100 }],
  );
  assert.equal(await store.leases.release(jobId, "A", 10), 2);
  assert.deepEqual((await items(db)).map((r) => r.status), ["pending", "pending", "inflight"]);
});
