import assert from "node:assert/strict";
import { pooledEach } from "../../lib/run/pool.ts";

Deno.test("pooledEach() never has more than poolLimit calls in flight", async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  await pooledEach(3, [0, 1, 2, 3, 4, 5, 6, 7], async (i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, i % 3));
    seen.push(i);
    running--;
  });
  assert.equal(most, 3);
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("pooledEach() pulls an async iterable only as slots free up", async () => {
  let pulled = 0;
  let started = 0;
  async function* input() {
    for (let i = 0; i < 6; i++) {
      pulled++;
      yield i;
    }
  }
  const gates: (() => void)[] = [];
  const done = pooledEach(2, input(), () => {
    started++;
    return new Promise<void>((resolve) => gates.push(resolve));
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(started, 2);
  assert.ok(pulled <= 3, `pulled ${pulled}`);
  while (started < 6 || gates.length > 0) {
    gates.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 1));
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
  const error = await pooledEach(4, input(), async (i) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (i === 1) throw new Error("boom");
    finished.push(i);
  }).catch((e) => e);
  assert.ok(error instanceof AggregateError);
  assert.equal(error.errors.length, 1);
  assert.equal(error.errors[0].message, "boom");
  assert.ok(finished.includes(0) && finished.includes(2) && finished.includes(3));
  assert.ok(finished.length < 20, "stopped pulling after the failure");
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
