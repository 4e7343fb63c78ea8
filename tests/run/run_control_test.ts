import assert from "node:assert/strict";
import { RunControl } from "../../lib/run/run_control.ts";
import { MAX_TIMER_MS } from "../../lib/util/clock.ts";

Deno.test("RunControl ends a run with the root cause: write, then claim, then task, then cleanup", () => {
  const errors = {
    write: new Error("write"),
    claim: new Error("claim"),
    task: new Error("task"),
    cleanup: new Error("cleanup"),
  };
  const order = ["cleanup", "task", "claim", "write"] as const;
  const control = new RunControl();
  assert.equal(control.failure, undefined);
  for (const stage of order) {
    control.fail(stage, errors[stage]);
    assert.equal(control.failure, errors[stage], `after a ${stage} error`);
  }
  // A later error of the same stage does not replace the first.
  control.fail("task", new Error("second task"));
  control.fail("write", new Error("second write"));
  assert.equal(control.failure, errors.write);
  control.dispose();
});

Deno.test("RunControl: a stop request holds back new grants, then abandons sends after the grace", async () => {
  const stop = new AbortController();
  const control = new RunControl({ signal: stop.signal, graceMs: 1 });
  assert.deepEqual([control.stopping, control.grantSignal.aborted], [false, false]);
  stop.abort();
  assert.deepEqual([control.stopping, control.grantSignal.aborted], [true, true]);
  assert.equal(control.signal.aborted, false);
  await new Promise((resolve) => control.signal.addEventListener("abort", resolve));
  assert.match(String(control.signal.reason), /grace period over/);
  assert.equal(control.failure, undefined);
  control.dispose();
});

Deno.test("RunControl: a grace period longer than a timer holds (--grace 30d) is not cut to 1 ms", () => {
  const delays: number[] = [];
  const real = globalThis.setTimeout;
  globalThis.setTimeout = ((_: () => void, ms: number) => {
    delays.push(ms);
    return 0;
  }) as unknown as typeof setTimeout;
  try {
    const control = new RunControl({ graceMs: 30 * 86_400_000 });
    control.requestStop();
    // setTimeout fires a delay of 2^31 ms or more at once.
    assert.deepEqual(delays, [MAX_TIMER_MS]);
    assert.equal(control.signal.aborted, false);
  } finally {
    globalThis.setTimeout = real;
  }
});

Deno.test("RunControl: a failed write stops everything at once; a failed claim or task only new work", () => {
  const write = new RunControl();
  write.fail("write", new Error("disk full"));
  assert.deepEqual([write.stopping, write.grantSignal.aborted, write.signal.aborted], [
    true,
    true,
    true,
  ]);
  assert.equal(write.writeFailed, true);
  write.dispose();

  const claim = new RunControl();
  claim.fail("claim", new Error("locked"));
  assert.deepEqual([claim.stopping, claim.grantSignal.aborted, claim.signal.aborted], [
    true,
    true,
    false,
  ]);
  assert.equal(claim.writeFailed, false);
  claim.dispose();

  // A bug in a task: the loops waiting for work must not wait for items that never come.
  const task = new RunControl();
  task.fail("task", new Error("bug"));
  assert.deepEqual([task.stopping, task.grantSignal.aborted, task.signal.aborted], [
    true,
    true,
    false,
  ]);
  task.dispose();
});

Deno.test("RunControl starts stopped when its signal is already aborted", () => {
  const control = new RunControl({ signal: AbortSignal.abort() });
  assert.equal(control.stopping, true);
  control.dispose();
});

Deno.test("RunControl stopNow abandons requests in flight at once, without waiting for the grace period", () => {
  const stopNow = new AbortController();
  const control = new RunControl({ graceMs: 60_000, stopNow: stopNow.signal });
  assert.equal(control.signal.aborted, false);
  stopNow.abort();
  assert.equal(control.stopping, true);
  assert.equal(control.grantSignal.aborted, true);
  assert.equal(control.signal.aborted, true);
  assert.equal(control.failure, undefined, "a stop is not a failure");
  control.dispose();
});
