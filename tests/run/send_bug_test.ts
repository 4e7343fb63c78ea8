import assert from "node:assert/strict";
import { send } from "../../lib/http/send.ts";
import { run } from "../../lib/run/run.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { FAST, setup } from "./_run_job_fixtures.ts";

const GET = { url: "http://127.0.0.1:1/x", method: "GET", headers: {}, body: undefined };

Deno.test("send() rejects with a bug thrown in the send path instead of calling it the network's", async () => {
  const bug = new RangeError("Invalid array length");
  await assert.rejects(send(GET, { fetch: () => Promise.reject(bug) }), (error) => error === bug);
  // The same from the body's stream.
  const body = new ReadableStream({ pull: (c) => c.error(new RangeError("offset out of range")) });
  await assert.rejects(
    send(GET, { fetch: () => Promise.resolve(new Response(body)) }),
    RangeError,
  );
  // The network's own errors are still failures of the attempt.
  const network = await send(GET, { fetch: () => Promise.reject(new TypeError("reset")) });
  assert.equal(network.kind === "failed" && network.failure.kind, "network");
});

Deno.test("a RangeError thrown in the send path fails the run; it is neither retried nor counted by the breaker", async () => {
  const { store, job, template } = await setup(["a", "b", "c"]);
  let calls = 0;
  const bug = new RangeError("Invalid array length");
  const fetch = () => {
    calls++;
    return Promise.reject(bug);
  };
  await assert.rejects(
    // Bounded: a run that took the bug for the network would retry it until the deadline.
    runJob(store, job, template, {
      ...FAST,
      concurrency: 1,
      breakerThreshold: 1,
      deadlineMs: 5000,
      fetch,
    }),
    (error) => error === bug,
  );
  assert.equal(calls, 1);
  // No item was failed or re-queued for it as a network failure.
  const counts = await store.queue.counts(job.id);
  assert.deepEqual([counts.failed, counts.done, counts.pending], [0, 0, 3]);
  store.close();
});

Deno.test("run() fails with the bug, its stack kept", async () => {
  await assert.rejects(
    run({
      queries: [{ q: "a" }],
      request: { url: "http://127.0.0.1:1/x?q={{q}}" },
      db: ":memory:",
      rate: "none",
      fetch: () => {
        throw new RangeError("offset is out of bounds");
      },
    }),
    (error: Error) => error instanceof RangeError && /send_bug_test\.ts/.test(error.stack ?? ""),
  );
});
