import assert from "node:assert/strict";
import { readJob } from "../../lib/dashboard/job_reads.ts";
import { openStore } from "../../lib/store/store.ts";

Deno.test("readJob() shows each worker's items done and rate share as its heartbeat recorded them", async () => {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({
    name: "j",
    request: { url: "http://x/" },
    options: {},
    now: 0,
  });
  const beat = (id: string, pid: number, at: number, done: number) =>
    store.workers.heartbeat({ id, jobId: job.id, host: "box", pid }, at, { rateShare: 0.5, done });
  await beat("w1", 101, 9_000, 7);
  await beat("w2", 102, 9_500, 12);
  const reads = await readJob(store, job.id, { now: 10_000, pid: 999 });
  assert.deepEqual(
    reads.workers.map((w) => [w.pid, w.done, w.share, w.alive]).sort(),
    [[101, "7", "50%", true], [102, "12", "50%", true]],
  );
  store.close();
});
