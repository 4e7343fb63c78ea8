import assert from "node:assert/strict";
import { createDeadlines, deadline } from "../../lib/http/deadline.ts";
import { FakeClock } from "../../lib/util/clock.ts";

Deno.test("deadline() aborts with a TimeoutError after the timeout", async () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const d = deadline(20);
  const reason = new Promise((resolve) =>
    d.signal.addEventListener("abort", () => resolve(d.signal.reason))
  );
  await clock.tick(19);
  assert.equal(d.signal.aborted, false);
  await clock.tick(1);
  assert.equal(d.timedOut, true);
  assert.equal((await reason as DOMException).name, "TimeoutError");
  assert.equal(clock.sleepers, 0, "the sweep stops once nothing is watched");
  d.release();
});

Deno.test("deadline() follows the caller's signal, and is not a timeout then", () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const stop = new AbortController();
  const a = deadline(60_000, stop.signal);
  const b = deadline(60_000, stop.signal);
  stop.abort(new Error("stop"));
  assert.equal(a.signal.aborted, true);
  assert.equal(b.signal.aborted, true);
  assert.equal(a.timedOut, false);
  assert.equal((a.signal.reason as Error).message, "stop");
  assert.equal(clock.sleepers, 0);
  a.release();
  b.release();
});

Deno.test("deadline() with an aborted caller signal is aborted at once", () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const d = deadline(60_000, AbortSignal.abort(new Error("already")));
  assert.equal(d.signal.aborted, true);
  assert.equal(clock.sleepers, 0, "no sweep for a deadline that is over");
  d.release();
});

Deno.test("deadline() released in time never aborts, and leaves no timer behind", async () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const stop = new AbortController();
  const d = deadline(30, stop.signal);
  assert.equal(clock.sleepers, 1);
  d.release();
  assert.equal(clock.sleepers, 0);
  await clock.tick(60);
  assert.equal(d.signal.aborted, false);
  stop.abort();
  assert.equal(d.signal.aborted, false, "a released deadline ignores the caller's signal");
});

Deno.test("deadline() fires each timeout on its own schedule", async () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const long = deadline(10_000);
  const short = deadline(15);
  await clock.tick(60);
  assert.equal(short.timedOut, true);
  assert.equal(long.signal.aborted, false);
  long.release();
  short.release();
});

Deno.test("deadline() fires at most 5% or 250 ms late", async () => {
  for (const timeoutMs of [20, 1_010, 60_100]) {
    const clock = new FakeClock();
    const d = createDeadlines({ clock })(timeoutMs);
    await clock.tick(timeoutMs - 1);
    assert.equal(d.signal.aborted, false, `${timeoutMs} ms`);
    await clock.tick(1 + Math.min(250, timeoutMs * 0.05));
    assert.equal(d.timedOut, true, `${timeoutMs} ms`);
  }
});

Deno.test("deadline() shares one sweep among every deadline it watches", async () => {
  const clock = new FakeClock();
  const deadline = createDeadlines({ clock });
  const many = Array.from({ length: 100 }, () => deadline(30_000));
  assert.equal(clock.sleepers, 1);
  // A shorter timeout makes the sweep finer; it is still one wait.
  const short = deadline(100);
  assert.equal(clock.sleepers, 1);
  await clock.tick(100);
  assert.equal(short.timedOut, true);
  assert.equal(clock.sleepers, 1);
  for (const d of many) d.release();
  assert.equal(clock.sleepers, 0);
});

Deno.test("deadline() on the system clock stops its timer once released", () => {
  // The test sanitizer fails this test if a timer is left running.
  const stop = new AbortController();
  const d = deadline(60_000, stop.signal);
  d.release();
  assert.equal(d.signal.aborted, false);
});
