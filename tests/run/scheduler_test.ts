/**
 * The scheduler over a scripted queue and a fake clock: no database, no sleeps.
 */
import assert from "node:assert/strict";
import { RunControl } from "../../lib/run/run_control.ts";
import { claimPageSize, Scheduler, type SchedulerOptions } from "../../lib/run/scheduler.ts";
import type { ClaimedItem, Readiness } from "../../lib/store/store.ts";
import { FakeClock } from "../../lib/util/clock.ts";

const item = (key: string): ClaimedItem => ({
  id: key.charCodeAt(0),
  seq: 0,
  key,
  vars: {},
  attempts: 0,
  throttled: 0,
});

/** A queue that answers claims with `pages` (then nothing) and readiness with `states` in turn. */
function scripted(pages: ClaimedItem[][], states: Readiness[]) {
  const calls: string[] = [];
  const queue: SchedulerOptions["queue"] = {
    claim: (_job, _owner, _limit, now) => {
      calls.push(`claim@${now}`);
      return Promise.resolve(pages.shift() ?? []);
    },
    readiness: () => {
      calls.push("readiness");
      return Promise.resolve(states.shift() ?? { pending: 0, inflight: 0, nextAt: undefined });
    },
  };
  return { queue, calls };
}

function scheduler(queue: SchedulerOptions["queue"], options: Partial<SchedulerOptions> = {}) {
  const clock = new FakeClock(1000);
  const control = new RunControl();
  const calls: string[] = [];
  const s = new Scheduler({
    queue,
    jobId: 1,
    owner: "me",
    pageSize: 10,
    leaseMs: 60_000,
    clock,
    control,
    flush: () => (calls.push("flush"), Promise.resolve()),
    recover: () => Promise.resolve(0),
    ...options,
  });
  return { scheduler: s, clock, control, calls };
}

Deno.test("Scheduler.items() hands out claimed pages and ends when nothing is left", async () => {
  const { queue, calls } = scripted([[item("a"), item("b")], [item("c")]], []);
  const { scheduler: s, calls: flushes, control } = scheduler(queue);
  const keys = [];
  for await (const i of s.items()) keys.push(i.key);
  assert.deepEqual(keys, ["a", "b", "c"]);
  assert.deepEqual(calls, ["claim@1000", "claim@1000", "claim@1000", "readiness"]);
  // Buffered outcomes are written before it looks at what is left.
  assert.deepEqual(flushes, ["flush"]);
  control.dispose();
});

Deno.test("Scheduler sleeps until the next item is due, or until woken", async () => {
  const { queue, calls } = scripted([[], [item("a")], [], [item("b")]], [
    { pending: 1, inflight: 0, nextAt: 1500 },
    { pending: 1, inflight: 0, nextAt: 9000 },
  ]);
  const { scheduler: s, clock, control } = scheduler(queue);
  const keys: string[] = [];
  const done = (async () => {
    for await (const i of s.items()) keys.push(i.key);
  })();
  while (clock.sleepers === 0) await Promise.resolve();
  await clock.tick(500);
  while (clock.sleepers === 0) await Promise.resolve();
  // Due in a second at most: woken early, it claims at once.
  s.wake();
  await done;
  assert.deepEqual(keys, ["a", "b"]);
  assert.deepEqual(calls, [
    "claim@1000",
    "readiness",
    "claim@1500",
    "claim@1500",
    "readiness",
    "claim@1500",
    "claim@1500",
    "readiness",
  ]);
  control.dispose();
});

Deno.test("Scheduler takes back dead workers' items while others are in flight", async () => {
  const { queue } = scripted([[], [item("a")]], [{ pending: 0, inflight: 3, nextAt: undefined }]);
  const seen: number[] = [];
  const { scheduler: s, control } = scheduler(queue, {
    recover: () => Promise.resolve(2),
    onRecovered: (n) => seen.push(n),
  });
  const keys = [];
  for await (const i of s.items()) keys.push(i.key);
  assert.deepEqual(keys, ["a"]);
  assert.deepEqual([s.recovered, seen], [2, [2]]);
  control.dispose();
});

Deno.test("Scheduler reports a failed claim to the run's control and ends", async () => {
  const failing: SchedulerOptions["queue"] = {
    claim: () => Promise.reject(new Error("database is locked")),
    readiness: () => Promise.reject(new Error("unreachable")),
  };
  const { scheduler: s, control } = scheduler(failing);
  assert.deepEqual(await Array.fromAsync(s.items()), []);
  assert.equal(control.stopping, true);
  assert.equal(control.grantSignal.aborted, true);
  assert.match(String(control.failure), /database is locked/);
  control.dispose();
});

Deno.test("Scheduler stops handing out items once the run stops, even mid-page or asleep", async () => {
  const { queue } = scripted([[item("a"), item("b")], []], [
    { pending: 1, inflight: 0, nextAt: 99_000 },
  ]);
  const { scheduler: s, control } = scheduler(queue);
  const keys: string[] = [];
  for await (const i of s.items()) {
    keys.push(i.key);
    control.requestStop();
  }
  assert.deepEqual(keys, ["a"]);
  control.dispose();

  const asleep = scripted([], [{ pending: 1, inflight: 0, nextAt: 99_000 }]);
  const second = scheduler(asleep.queue);
  const done = Array.fromAsync(second.scheduler.items());
  while (second.clock.sleepers === 0) await Promise.resolve();
  second.control.requestStop();
  assert.deepEqual(await done, []);
  second.control.dispose();
});

Deno.test("claimPageSize() claims bigger pages when unpaced", () => {
  assert.deepEqual([1, 16, 64, 1000].map((c) => claimPageSize(c, false)), [16, 32, 128, 1000]);
  assert.deepEqual([1, 16, 64, 1000].map((c) => claimPageSize(c, true)), [256, 256, 512, 1000]);
});
