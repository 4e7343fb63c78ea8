import assert from "node:assert/strict";
import { pooledEach } from "../../lib/run/pool.ts";
import { manualCalls, settle } from "./_manual_calls.ts";

Deno.test("pooledEach() never has more than poolLimit calls in flight", async () => {
  const calls = manualCalls<void>();
  const seen: number[] = [];
  const done = pooledEach(3, [0, 1, 2, 3, 4, 5, 6, 7], async (i) => {
    await calls.fn(i);
    seen.push(i);
  });
  // Finished out of order; each finish frees one slot for the next item.
  for (const [finished, i] of [1, 0, 2, 4, 3, 6, 5, 7].entries()) {
    await calls.whenStarted(Math.min(finished + 3, 8));
    assert.ok(calls.active <= 3, `${calls.active} calls in flight`);
    calls.resolve(i);
  }
  await done;
  assert.equal(calls.maxActive, 3);
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("pooledEach() pulls an async iterable only as slots free up", async () => {
  let pulled = 0;
  async function* input() {
    for (let i = 0; i < 6; i++) {
      pulled++;
      yield i;
    }
  }
  const calls = manualCalls<void>();
  const done = pooledEach(2, input(), calls.fn);
  await calls.whenStarted(2);
  await settle();
  assert.equal(calls.started.length, 2);
  assert.ok(pulled <= 3, `pulled ${pulled}`);
  for (let i = 0; i < 6; i++) {
    await calls.whenStarted(Math.min(i + 2, 6));
    calls.resolve(i);
  }
  await done;
  assert.equal(pulled, 6);
});

Deno.test("pooledEach() lets running calls finish, then throws an AggregateError", async () => {
  const finished: number[] = [];
  let cleanedUp = false;
  async function* input() {
    try {
      for (let i = 0; i < 100; i++) yield i;
    } finally {
      cleanedUp = true;
    }
  }
  const calls = manualCalls<void>();
  const failed = pooledEach(4, input(), async (i) => {
    await calls.fn(i);
    finished.push(i);
  }).catch((e) => e);
  await calls.whenStarted(4);
  calls.reject(1, new Error("boom"));
  for (const i of [0, 2, 3]) calls.resolve(i);
  const error = await failed;
  assert.ok(error instanceof AggregateError);
  assert.equal(error.errors.length, 1);
  assert.equal(error.errors[0].message, "boom");
  assert.ok(finished.includes(0) && finished.includes(2) && finished.includes(3));
  assert.ok(finished.length < 20, "stopped pulling after the failure");
  assert.deepEqual(calls.started, [0, 1, 2, 3], "no item started after the failure");
  assert.ok(cleanedUp, "the input was closed");
});

Deno.test("pooledEach() reports an error of the input itself", async () => {
  async function* input() {
    yield 1;
    throw new Error("input broke");
  }
  const error = await pooledEach(2, input(), async () => {}).catch((e) => e);
  assert.ok(error instanceof AggregateError);
  assert.equal(error.errors[0].message, "input broke");
});

Deno.test("pooledEach() rejects a bad pool limit", async () => {
  await assert.rejects(pooledEach(0, [1], async () => {}), RangeError);
});
