import assert from "node:assert/strict";
import { FakeClock, MAX_TIMER_MS, systemClock } from "../../lib/util/clock.ts";

Deno.test("FakeClock wakes sleepers in time order, then in the order they slept", async () => {
  const clock = new FakeClock(100);
  const woke: string[] = [];
  const sleeps = [
    clock.sleep(20).then(() => woke.push("b")),
    clock.sleep(10).then(() => woke.push("a")),
    clock.sleep(20).then(() => woke.push("c")),
  ];
  assert.equal(clock.sleepers, 3);
  await clock.tick(15);
  assert.deepEqual(woke, ["a"]);
  assert.equal(clock.now(), 115);
  await clock.tick(5);
  await Promise.all(sleeps);
  assert.deepEqual(woke, ["a", "b", "c"]);
  assert.equal(clock.sleepers, 0);
});

Deno.test("FakeClock.next() jumps to the next wake-up, and says when there is none", async () => {
  const clock = new FakeClock();
  const sleeping = clock.sleep(1_000);
  assert.equal(await clock.next(), true);
  await sleeping;
  assert.equal(clock.now(), 1_000);
  assert.equal(await clock.next(), false);
});

Deno.test("FakeClock.sleep() rejects with the signal's reason and stops waiting", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const sleeping = clock.sleep(50, stop.signal);
  stop.abort(new Error("stop"));
  await assert.rejects(sleeping, { message: "stop" });
  assert.equal(clock.sleepers, 0);
  await assert.rejects(clock.sleep(1, stop.signal), { message: "stop" });
});

Deno.test("systemClock.sleep() rejects at once on an aborted signal and clears its timer on abort", async () => {
  await assert.rejects(systemClock.sleep(60_000, AbortSignal.abort(new Error("early"))), {
    message: "early",
  });
  const stop = new AbortController();
  const sleeping = systemClock.sleep(60_000, stop.signal);
  stop.abort(new Error("later"));
  // The test sanitizer fails this test if the 60 s timer is still pending.
  await assert.rejects(sleeping, { message: "later" });
  await systemClock.sleep(0);
});

Deno.test("systemClock.sleep() waits out a delay longer than a timer holds (2^31 ms: setTimeout fires at once), a timer at a time", async () => {
  // The timers the clock starts, recorded instead of run: each fired by hand.
  const timers: { fire: () => void; ms: number }[] = [];
  const real = globalThis.setTimeout;
  globalThis.setTimeout = ((fire: () => void, ms: number) => {
    timers.push({ fire, ms });
    return 0;
  }) as unknown as typeof setTimeout;
  try {
    let woke = false;
    const sleeping = systemClock.sleep(2 * MAX_TIMER_MS + 5).then(() => woke = true);
    for (const expected of [MAX_TIMER_MS, MAX_TIMER_MS, 5]) {
      assert.equal(woke, false);
      assert.equal(timers.at(-1)?.ms, expected);
      timers.at(-1)!.fire();
      await Promise.resolve();
    }
    await sleeping;
    assert.equal(woke, true);
    assert.equal(timers.length, 3);
  } finally {
    globalThis.setTimeout = real;
  }
});
