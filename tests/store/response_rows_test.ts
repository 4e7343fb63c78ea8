import assert from "node:assert/strict";
import { dbWith, outcome, response } from "./_fixtures.ts";

Deno.test("ResultRepository.write() stores every response row of a batch over one INSERT's 1,024 rows", async () => {
  // 2,500 rows: two full INSERTs and one of 452 padded to 512; bodies of text and of bytes.
  const n = 2_500;
  using db = await dbWith(n);
  const { store, jobId } = db;
  const claimed = await store.queue.claim(jobId, "me", n, 0, 60_000);
  assert.equal(claimed.length, n);
  const bytes = new Uint8Array([0, 0xff, 7]);
  const { applied } = await store.results.write(
    "me",
    jobId,
    claimed.map((item) =>
      outcome(item.id, {
        response: item.seq % 2 === 0
          ? response(item.seq, `body ${item.seq}`)
          : { ...response(item.seq, ""), body: bytes },
      })
    ),
    5,
  );
  assert.equal(applied, n);
  const rows = await db.rows(
    `SELECT r.seq, r.body, typeof(r.body) AS kind, r.attempt, r.page, items.key
     FROM responses r JOIN items ON items.id = r.item ORDER BY r.seq`,
  );
  assert.equal(rows.length, n);
  for (const [i, row] of rows.entries()) {
    assert.equal(Number(row.seq), i);
    assert.equal(row.key, `k${i}`);
    assert.equal(Number(row.attempt), 1);
    assert.equal(Number(row.page), 1);
    if (i % 2 === 0) assert.deepEqual([row.kind, row.body], ["text", `body ${i}`]);
    else {
      assert.equal(row.kind, "blob");
      assert.deepEqual(new Uint8Array(row.body as ArrayBuffer), bytes);
    }
  }
});
