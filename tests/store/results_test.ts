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

/** A plan that writes each answer's title into `hits` (a NOT NULL column), and the table. */
async function hitsPlan(db: Awaited<ReturnType<typeof dbWith>>) {
  await db.store.tables.applySchema([{
    sql: "CREATE TABLE hits (key TEXT NOT NULL, title TEXT NOT NULL)",
    label: "--schema",
    params: [],
  }]);
  return {
    job: "j",
    into: [{
      sql: "INSERT INTO hits VALUES (:key, :body ->> '$.title')",
      label: "--into",
      params: [":key", ":body"],
    }],
    tables: new Map([["rows", ["key", "n"]]]),
  };
}

/** A done outcome of `item` whose body has `title`, to process. */
function answered(item: { id: number; seq: number; key: string }, title: string | null) {
  return outcome(item.id, {
    response: response(item.seq, JSON.stringify({ title })),
    processing: { key: item.key, vars: "{}" },
  });
}

Deno.test("ResultRepository.write() with a plan writes each answer's rows, or fails just that item (class process)", async () => {
  using db = await dbWith(5);
  const { store, jobId } = db;
  const plan = await hitsPlan(db);
  const claimed = await store.queue.claim(jobId, "A", 5, 0, 1000);
  const titles = ["a", null, "c", null, "e"];
  const written = await store.results.write(
    "A",
    jobId,
    claimed.map((item, i) => answered(item, titles[i]!)),
    1,
    { process: plan, confirm: true },
  );
  assert.equal(written.applied, 5);
  assert.equal(written.finished?.size, 5);
  assert.deepEqual([...written.processFailed!.values()], [
    "process: NOT NULL constraint failed: hits.title (--into)",
    "process: NOT NULL constraint failed: hits.title (--into)",
  ]);
  assert.deepEqual(await db.rows("SELECT key, title FROM hits ORDER BY key"), [
    { key: "k0", title: "a" },
    { key: "k2", title: "c" },
    { key: "k4", title: "e" },
  ]);
  assert.deepEqual((await items(db)).map((r) => [r.key, r.status, r.error_class]), [
    ["k0", "done", null],
    ["k1", "failed", "process"],
    ["k2", "done", null],
    ["k3", "failed", "process"],
    ["k4", "done", null],
  ]);
  // The failed items keep their answer, with why it was not processed.
  assert.deepEqual(
    await db.rows("SELECT error_class AS c, count(*) AS n FROM responses GROUP BY 1 ORDER BY 1"),
    [{ c: null, n: 3 }, { c: "process", n: 2 }],
  );
});

Deno.test("ResultRepository.write() with a plan writes no rows for an item no longer leased to it", async () => {
  using db = await dbWith(3);
  const { store, jobId } = db;
  const plan = await hitsPlan(db);
  const claimed = await store.queue.claim(jobId, "A", 3, 0, 1000);
  // The lease of k1 expired and another worker took it meanwhile.
  await db.connection.execute(
    { sql: "UPDATE items SET lease_owner = 'B' WHERE id = ?", args: [claimed[1]!.id] },
    "steal",
  );
  const written = await store.results.write(
    "A",
    jobId,
    claimed.map((item) => answered(item, `title ${item.key}`)),
    1,
    { process: plan, confirm: true },
  );
  assert.equal(written.applied, 2);
  assert.deepEqual([...written.finished!].sort(), [claimed[0]!.id, claimed[2]!.id].sort());
  assert.deepEqual(await db.rows("SELECT key FROM hits ORDER BY key"), [
    { key: "k0" },
    { key: "k2" },
  ]);
  assert.deepEqual((await items(db)).map((r) => r.status), ["done", "inflight", "done"]);
});

Deno.test("ResultRepository.write() with a plan writes a processor's rows, failing only an item whose rows are refused", async () => {
  using db = await dbWith(40);
  const { store, jobId } = db;
  await db.connection.execute(
    "CREATE TABLE rows (key TEXT PRIMARY KEY, n INTEGER NOT NULL)",
    "setup",
  );
  const plan = { job: "j", into: [], tables: new Map([["rows", ["key", "n"]]]) };
  const claimed = await store.queue.claim(jobId, "A", 40, 0, 1000);
  const updates = claimed.map((item, i) =>
    outcome(item.id, {
      response: response(item.seq, "{}"),
      processing: {
        key: item.key,
        vars: "{}",
        ...(i === 7
          ? { error: "the processor threw" }
          : i === 9
          ? { rows: { nowhere: [{ key: item.key }] } }
          : { rows: { rows: [{ key: item.key, n: i === 30 ? null : i }] } }),
      },
    })
  );
  const written = await store.results.write("A", jobId, updates, 1, { process: plan });
  assert.equal(written.applied, 40);
  assert.deepEqual(
    [...written.processFailed!].map(([id, e]) => [claimed.findIndex((c) => c.id === id), e]),
    [
      [7, "process: the processor threw"],
      [9, 'process: rows for table "nowhere", which the processor does not declare (tables: rows)'],
      [30, `process: NOT NULL constraint failed: rows.n (rows for table "rows")`],
    ],
  );
  assert.equal(await db.count("SELECT count(*) FROM rows"), 37);
  assert.equal(await db.count("SELECT count(*) FROM items WHERE status = 'done'"), 37);
});

Deno.test("ResultRepository.write() with a plan fails every item whose statement fails, each alone", async () => {
  using db = await dbWith(30);
  const { store, jobId } = db;
  const plan = await hitsPlan(db);
  const claimed = await store.queue.claim(jobId, "A", 30, 0, 1000);
  const written = await store.results.write(
    "A",
    jobId,
    claimed.map((item, i) => answered(item, i % 3 === 0 ? `t${i}` : null)),
    1,
    { process: plan },
  );
  assert.equal(written.applied, 30);
  assert.equal(written.processFailed?.size, 20);
  assert.equal(await db.count("SELECT count(*) FROM hits"), 10);
  assert.equal(
    await db.count(
      "SELECT count(*) FROM items i JOIN hits h ON h.key = i.key WHERE i.status = 'done'",
    ),
    10,
  );
});
