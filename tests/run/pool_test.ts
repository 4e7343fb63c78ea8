import assert from "node:assert/strict";
import { pooledMap } from "../../lib/run/pool.ts";
import { manualCalls, settle } from "./_manual_calls.ts";

Deno.test("pooledMap() never has more than poolLimit calls in flight", async () => {
  const t = manualCalls<number>();
  const results = pooledMap(3, [0, 1, 2, 3, 4, 5, 6], t.fn);
  const collected = Array.fromAsync(results);
  await settle();
  assert.deepEqual(t.started, [0, 1, 2]);
  t.resolve(1, 10);
  await settle();
  assert.deepEqual(t.started, [0, 1, 2, 3]);
  for (const i of [0, 2, 3, 4, 5, 6]) {
    assert.ok(t.active <= 3);
    t.resolve(i, i * 10);
    await settle();
  }
  assert.deepEqual(await collected, [0, 10, 20, 30, 40, 50, 60]);
  assert.equal(t.maxActive, 3);
});

Deno.test("pooledMap() yields results in input order, not completion order", async () => {
  const t = manualCalls<string>();
  const collected = Array.fromAsync(pooledMap(4, [0, 1, 2, 3], t.fn));
  await settle();
  for (const i of [3, 1, 2, 0]) t.resolve(i, `r${i}`);
  assert.deepEqual(await collected, ["r0", "r1", "r2", "r3"]);
});

Deno.test("pooledMap() pulls an async iterable only as slots free up", async () => {
  let pulled = 0;
  async function* input() {
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      pulled++;
      yield i;
    }
  }
  const t = manualCalls<number>();
  const collected = Array.fromAsync(pooledMap(2, input(), t.fn));
  await settle();
  assert.equal(pulled, 2);
  assert.deepEqual(t.started, [0, 1]);
  t.resolve(0, 0);
  await settle();
  assert.equal(pulled, 3);
  for (const i of [1, 2, 3, 4]) {
    t.resolve(i, i);
    await settle();
  }
  assert.deepEqual(await collected, [0, 1, 2, 3, 4]);
});

Deno.test("pooledMap() keeps starting later items while an early one is slow", async () => {
  const t = manualCalls<number>();
  const iterator = pooledMap(2, [0, 1, 2, 3, 4, 5], t.fn);
  // The consumer is waiting on the slow first result the whole time.
  const first = iterator.next();
  await settle();
  for (const i of [1, 2, 3, 4, 5]) {
    assert.ok(t.started.includes(i), `item ${i} started while item 0 is pending`);
    t.resolve(i, i);
    await settle();
  }
  assert.deepEqual(t.started, [0, 1, 2, 3, 4, 5]);
  t.resolve(0, 0);
  assert.deepEqual(await first, { value: 0, done: false });
  assert.deepEqual(await Array.fromAsync(iterator), [1, 2, 3, 4, 5]);
});

Deno.test("pooledMap() throws an AggregateError only after running calls finish", async () => {
  const t = manualCalls<number>();
  const boom = new Error("boom");
  const iterator = pooledMap(3, [0, 1, 2, 3, 4], t.fn);
  const all = Array.fromAsync(iterator);
  let rejected = false;
  all.catch(() => rejected = true);
  await settle();
  t.reject(1, boom);
  await settle();
  // No new item starts after a failure, and the iterator waits for the others.
  assert.deepEqual(t.started, [0, 1, 2]);
  assert.equal(rejected, false);
  t.resolve(0, 0);
  await settle();
  assert.equal(rejected, false);
  const late = new Error("late");
  t.reject(2, late);
  const error = await all.then(() => undefined, (e) => e);
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(error.errors, [boom, late]);
});

Deno.test("pooledMap() reports a call that fails while the input is slow", async () => {
  // The input is idle (awaiting) when the call rejects: the rejection must be
  // gathered, not escape as an unhandled rejection.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  async function* input() {
    yield 0;
    await gate;
    yield 1;
  }
  const boom = new Error("boom");
  const all = Array.fromAsync(
    pooledMap(4, input(), (i) => i === 0 ? Promise.reject(boom) : Promise.resolve(i)),
  );
  // A macrotask turn lets the runtime notice an unhandled rejection, if any.
  await new Promise((resolve) => setTimeout(resolve, 0));
  release();
  const error = await all.then(() => undefined, (e) => e);
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(error.errors, [boom]);
});

Deno.test("pooledMap() reports an error thrown by the input itself", async () => {
  const broken = new Error("input broke");
  async function* input() {
    yield 1;
    await Promise.resolve();
    throw broken;
  }
  const error = await Array.fromAsync(pooledMap(2, input(), (i) => Promise.resolve(i))).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(error.errors, [broken]);
});

Deno.test("pooledMap() throws RangeError for a pool limit that is not a positive integer", () => {
  for (const limit of [0, -1, 1.5, NaN]) {
    assert.throws(() => pooledMap(limit, [1], (i) => Promise.resolve(i)), RangeError);
  }
  assert.throws(
    () => pooledMap(0, [1], (i) => Promise.resolve(i)),
    /current value is '0'/,
  );
});
