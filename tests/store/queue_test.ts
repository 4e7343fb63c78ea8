import assert from "node:assert/strict";
import type { FailureClass } from "../../lib/store/failure_class.ts";
import type { RequeueFilter } from "../../lib/store/store.ts";
import { dbWith, items, outcome } from "./_fixtures.ts";

Deno.test("QueueRepository.importItems() adds nothing when the same rows come twice", async () => {
  using db = await dbWith(0);
  const { store, jobId } = db;
  const rows: [number, string, string][] = [[0, "a", "{}"], [1, "b", "{}"], [2, "a", "{}"]];
  assert.equal(await store.queue.importItems(jobId, rows, 0), 2);
  assert.equal(await store.queue.importItems(jobId, rows, 0), 0);
  assert.equal((await store.queue.counts(jobId)).total, 2);
});

Deno.test("QueueRepository.claim() leases each ready item to one owner only", async () => {
  using db = await dbWith(5);
  const { store, jobId } = db;
  await db.rows("UPDATE items SET next_at = 500 WHERE key = 'k4'");
  const a = await store.queue.claim(jobId, "A", 2, 100, 1100);
  const b = await store.queue.claim(jobId, "B", 10, 100, 1100);
  assert.deepEqual(a.map((i) => i.key), ["k0", "k1"]);
  assert.deepEqual(b.map((i) => i.key).sort(), ["k2", "k3"]);
  assert.deepEqual(a[0], {
    id: a[0]!.id,
    seq: 0,
    key: "k0",
    vars: { q: "q0" },
    attempts: 0,
    throttled: 0,
  });
  // k4 is not due until 500.
  assert.deepEqual(await store.queue.claim(jobId, "C", 10, 100, 1100), []);
  assert.deepEqual(
    (await store.queue.claim(jobId, "C", 10, 500, 1500)).map((i) => i.key),
    ["k4"],
  );
  const rows = await items(db);
  assert.deepEqual(rows.map((r) => [r.status, r.lease_owner]), [
    ["inflight", "A"],
    ["inflight", "A"],
    ["inflight", "B"],
    ["inflight", "B"],
    ["inflight", "C"],
  ]);
  assert.deepEqual(await store.queue.readiness(jobId), {
    pending: 0,
    inflight: 5,
    nextAt: undefined,
  });
});

Deno.test("QueueRepository.requeueFailed() puts back only the failures its filter names", async () => {
  const failures: [string, number | null, string, FailureClass][] = [
    ["s500", 500, "http 500 (after 5 attempts)", "http_5xx"],
    ["s503", 503, "http 503 (throttled 51 times)", "http_5xx"],
    ["s404", 404, "http 404", "http_4xx"],
    ["s429", 429, "http 429 (throttled 51 times)", "throttled"],
    ["timeout", null, "timeout (after 5 attempts)", "timeout"],
    ["network", null, "network: ECONNREFUSED (after 5 attempts)", "network"],
    ["big", 200, "response body over 100 bytes (--max-body)", "body_too_large"],
    ["refused", 200, "process: NOT NULL constraint failed: hits.title (--into)", "process"],
  ];
  const expected: Record<RequeueFilter, string[]> = {
    failed: failures.map((f) => f[0]),
    "5xx": ["s500", "s503"],
    "4xx": ["s404"],
    "429": ["s429"],
    timeout: ["timeout"],
    network: ["network"],
    process: ["refused"],
  };
  for (const [filter, keys] of Object.entries(expected)) {
    using db = await dbWith(failures.length + 1);
    const { store, jobId } = db;
    const claimed = await store.queue.claim(jobId, "A", failures.length, 0, 1000);
    await store.results.write(
      "A",
      jobId,
      claimed.map((item, i) =>
        outcome(item.id, {
          status: "failed",
          attempts: 5,
          throttled: 2,
          lastStatus: failures[i]![1],
          lastError: failures[i]![2],
          errorClass: failures[i]![3],
        })
      ),
      1,
    );
    const n = await store.queue.requeueFailed(jobId, filter as RequeueFilter, 2);
    assert.equal(n, keys.length, filter);
    const back = (await items(db)).filter((r, i) => i < failures.length && r.status === "pending");
    const names = back.map((r) => failures[Number(String(r.key).slice(1))]![0]);
    assert.deepEqual(names, keys, filter);
    for (const r of back) assert.deepEqual([r.attempts, r.throttled, r.next_at], [0, 0, 0]);
    // The item that never failed is untouched.
    assert.equal((await items(db)).at(-1)!.status, "pending");
  }
});

Deno.test("QueueRepository.claim() and the reports keep numbers beyond 2^53 exact in vars", async () => {
  using db = await dbWith(0);
  const { store, jobId } = db;
  const big = "12345678901234567890";
  await store.queue.importItems(jobId, [[0, "a", `{"id":${big},"n":1.5}`]], 0);
  const [item] = await store.queue.claim(jobId, "A", 1, 0, 1000);
  assert.equal(JSON.stringify(item!.vars), `{"id":${big},"n":1.5}`);
  const [row] = await Array.fromAsync(store.reports.exportRows(jobId));
  assert.equal(JSON.stringify(row!.vars), `{"id":${big},"n":1.5}`);
  const detail = await store.reports.itemWithResponses(jobId, "a");
  assert.equal(JSON.stringify(detail!.vars), `{"id":${big},"n":1.5}`);
});
