import assert from "node:assert/strict";
import { dbWith, items, outcome, response } from "./_fixtures.ts";

Deno.test("ResultRepository.write() ignores items not leased to the writer", async () => {
  using db = await dbWith(2);
  const { store, jobId } = db;
  const [mine, theirs] = [
    (await store.queue.claim(jobId, "A", 1, 0, 1000))[0]!,
    (await store.queue.claim(jobId, "B", 1, 0, 1000))[0]!,
  ];
  const { applied } = await store.results.write("A", jobId, [
    outcome(mine.id, { response: response(mine.seq, "ok") }),
    outcome(theirs.id, { response: response(theirs.seq, "stolen") }),
  ], 5);
  assert.equal(applied, 1);
  const rows = await items(db);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.lease_owner]), [
    ["k0", "done", null],
    ["k1", "inflight", "B"],
  ]);
  assert.equal(await db.count("SELECT count(*) FROM responses"), 1);
  // Written once: a second write by the same owner is stale and ignored.
  assert.equal((await store.results.write("A", jobId, [outcome(mine.id)], 6)).applied, 0);
  assert.equal(await db.count("SELECT count(*) FROM responses"), 1);
});

Deno.test("ResultRepository.write() with confirm tells which done and failed updates applied", async () => {
  using db = await dbWith(4);
  const { store, jobId } = db;
  const mine = await store.queue.claim(jobId, "A", 3, 0, 1000);
  const [theirs] = await store.queue.claim(jobId, "B", 1, 0, 1000);
  const written = await store.results.write(
    "A",
    jobId,
    [
      outcome(mine[0]!.id),
      outcome(mine[1]!.id, { status: "failed", lastStatus: 404, errorClass: "http_4xx" }),
      outcome(mine[2]!.id, { status: "pending", nextAt: 50, lastStatus: 503 }),
      outcome(theirs!.id),
    ],
    1,
    { confirm: true },
  );
  assert.equal(written.applied, 3);
  assert.deepEqual([...written.finished!].sort(), [mine[0]!.id, mine[1]!.id].sort());
  // Without confirm, nothing is read first.
  const [next] = await store.queue.claim(jobId, "A", 1, 100, 1000);
  const plain = await store.results.write("A", jobId, [outcome(next!.id)], 2);
  assert.deepEqual(plain, { applied: 1, finished: undefined });
});

Deno.test("ResultRepository.write() stores each attempt's error class on the item and its response", async () => {
  // Enough alike outcomes to be written as one grouped UPDATE, and a few apart.
  using db = await dbWith(20);
  const { store, jobId } = db;
  const claimed = await store.queue.claim(jobId, "A", 20, 0, 1000);
  await store.results.write(
    "A",
    jobId,
    claimed.map((item, i) =>
      i < 17
        ? outcome(item.id, {
          status: "pending",
          lastStatus: 503,
          lastError: "http 503",
          errorClass: "http_5xx",
          nextAt: 9,
        })
        : outcome(item.id, {
          status: "failed",
          lastStatus: null,
          lastError: "timeout (after 1 attempt)",
          errorClass: "timeout",
          response: { ...response(item.seq, ""), status: null, error: "timeout" },
        })
    ),
    1,
  );
  const classes = await db.rows(
    "SELECT error_class AS c, count(*) AS n FROM items GROUP BY 1 ORDER BY 1",
  );
  assert.deepEqual(classes, [{ c: "http_5xx", n: 17 }, { c: "timeout", n: 3 }]);
  assert.deepEqual(await db.rows("SELECT DISTINCT error_class FROM responses"), [
    { error_class: "timeout" },
  ]);
});
