import assert from "node:assert/strict";
import { prepareProcessing } from "../../lib/process/processing.ts";
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

Deno.test("ResultWriter.commit() resolves with the write that took its outcome, whoever started it", async () => {
  using db = await dbWith(2);
  const { store, jobId } = db;
  const [a, b] = await store.queue.claim(jobId, "W", 2, 0, 60_000);
  const writer = new ResultWriter(store.results, "W", jobId, { confirm: true });
  // As the scheduler does when it finds nothing ready: a flush right after a commit.
  const committed = writer.commit(outcome(a!.id));
  const flushed = writer.flush();
  assert.deepEqual([...(await committed).finished!], [a!.id]);
  assert.equal(await committed, await flushed);
  // A full buffer, and a failed write, reach every waiting commit alike.
  const again = writer.commit(outcome(b!.id));
  await writer.close();
  assert.deepEqual([...(await again).finished!], [b!.id]);
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

Deno.test("ResultWriter with processing lands every answer's rows exactly once under concurrent commits", async () => {
  const n = 400;
  using db = await dbWith(n);
  const { store, jobId } = db;
  const random = prng(7);
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
  const processing = await prepareProcessing(store.tables, "j", {
    processor: {
      tables: { rows: { columns: { key: "TEXT", part: "INTEGER" }, key: ["key", "part"] } },
      async process(answer) {
        await pause(); // an async processor: commits of other answers go on meanwhile
        if (answer.key.endsWith("7")) throw new Error("sevens are refused");
        return { rows: [1, 2].map((part) => ({ key: answer.key, part })) };
      },
    },
  });
  await processing!.applySchema();
  const claimed = await store.queue.claim(jobId, "W", n, 0, 60_000);
  const failed: number[] = [];
  const writer = new ResultWriter(store.results, "W", jobId, {
    batchSize: 23,
    processing: processing!,
    onProcessFailed: (update) => failed.push(update.id),
  });
  await Promise.all(claimed.map(async (item, i) => {
    await pause();
    const update = outcome(item.id, { response: response(item.seq, "{}") });
    const committed = writer.commit(update, item);
    if (i % 11 === 0) await writer.flush();
    await committed;
  }));
  await writer.close();
  const sevens = claimed.filter((item) => item.key.endsWith("7")).length;
  assert.equal(failed.length, sevens);
  assert.equal(await db.count("SELECT count(*) FROM rows"), 2 * (n - sevens));
  assert.equal(
    await db.count(
      "SELECT count(*) FROM items i WHERE i.status = 'done' AND (SELECT count(*) FROM rows r WHERE r.key = i.key) = 2",
    ),
    n - sevens,
  );
  assert.equal(
    await db.count(
      "SELECT count(*) FROM items WHERE status = 'failed' AND error_class = 'process'",
    ),
    sevens,
  );
});
