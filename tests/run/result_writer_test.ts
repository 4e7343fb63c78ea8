import assert from "node:assert/strict";
import { ResultWriter } from "../../lib/run/result_writer.ts";
import type { ItemUpdate, ResultStore, WrittenResults } from "../../lib/store/store.ts";
import { prng } from "../_sluice_process.ts";
import { dbWith, outcome, response } from "../store/_fixtures.ts";

Deno.test("ResultWriter lands every row exactly once under concurrent commits and flushes", async () => {
  const n = 600;
  using db = await dbWith(n);
  const { store, jobId } = db;
  const claimed = await store.queue.claim(jobId, "W", n, 0, 60_000);
  assert.equal(claimed.length, n);
  let flushes = 0;
  const writer = new ResultWriter(store.results, "W", jobId, {
    batchSize: 37,
    onFlush: () => flushes++,
  });
  const random = prng(20_251_201);
  const randomPause = () => {
    const r = random();
    if (r < 0.3) return Promise.resolve();
    if (r < 0.6) return new Promise<void>((resolve) => queueMicrotask(resolve));
    return new Promise<void>((resolve) => setTimeout(resolve, Math.floor(r * 3)));
  };
  await Promise.all(claimed.map(async (item, i) => {
    await randomPause();
    // As the runner does: the body is awaited *before* the update is handed over.
    const body = await new Response(`body-${item.key}`).text();
    await randomPause();
    const committed = writer.commit(outcome(item.id, { response: response(item.seq, body) }));
    if (i % 17 === 0) await writer.flush();
    await committed;
  }));
  await writer.close();
  assert.ok(flushes > 1, `flushed ${flushes} times`);
  assert.equal(writer.written, n);
  assert.equal(writer.buffered, 0);
  assert.equal(await db.count("SELECT count(*) FROM responses"), n);
  assert.equal(await db.count("SELECT count(DISTINCT item) FROM responses"), n);
  assert.equal(
    await db.count(
      "SELECT count(*) FROM responses r JOIN items i ON i.id = r.item WHERE r.body = 'body-' || i.key",
    ),
    n,
  );
  assert.deepEqual((await store.queue.counts(jobId)).done, n);
});

/** A result store whose writes wait for the test, and record their batches. */
function heldStore() {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const store: ResultStore = {
    async write(_owner, _jobId, updates: readonly ItemUpdate[]): Promise<WrittenResults> {
      batches.push(updates.map((u) => u.id));
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { applied: updates.length, finished: undefined };
    },
  };
  const release = () => waiting.splice(0).forEach((resolve) => resolve());
  return {
    store,
    batches,
    release,
    get waiting() {
      return waiting.length;
    },
  };
}

Deno.test("ResultWriter.commit() groups what arrives during a write into the next one", async () => {
  const held = heldStore();
  const writer = new ResultWriter(held.store, "W", 1);
  const first = writer.commit(outcome(1));
  await Promise.resolve();
  await Promise.resolve();
  // Written while the first is under way: they wait, together.
  const later = [writer.commit(outcome(2)), writer.commit(outcome(3))];
  assert.equal(later[0], later[1]);
  while (held.waiting === 0) await Promise.resolve();
  held.release();
  assert.equal((await first).applied, 1);
  while (held.waiting === 0) await Promise.resolve();
  held.release();
  await Promise.all(later);
  assert.deepEqual(held.batches, [[1], [2, 3]]);
});

Deno.test("ResultWriter refuses new work once a write failed, and reports it once", async () => {
  const errors: unknown[] = [];
  const failing: ResultStore = { write: () => Promise.reject(new Error("disk full")) };
  const writer = new ResultWriter(failing, "W", 1, { onError: (e) => errors.push(e) });
  await assert.rejects(writer.commit(outcome(1)), /disk full/);
  await assert.rejects(writer.commit(outcome(2)), /disk full/);
  await assert.rejects(writer.close(), /disk full/);
  assert.equal(errors.length, 1);
  assert.match(String(writer.error), /disk full/);
});
