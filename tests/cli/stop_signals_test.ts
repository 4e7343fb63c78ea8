import assert from "node:assert/strict";
import { StopSignals } from "../../cli/stop_signals.ts";
import { FakeClock } from "../../lib/util/clock.ts";

Deno.test("StopSignals counts copies of one Ctrl-C, forwarded by deno task and npx, as one stop", async () => {
  const clock = new FakeClock(0);
  const signals = new StopSignals({ clock });
  assert.equal(signals.receive(), "stop");
  // Measured: deno task forwards its copy ~7 ms after the terminal's, npx + deno task ~11 ms.
  await clock.tick(7);
  assert.equal(signals.receive(), "copy");
  await clock.tick(4);
  assert.equal(signals.receive(), "copy");
  await clock.tick(900);
  assert.equal(signals.receive(), "copy");
});

Deno.test("StopSignals takes a signal a clear interval after the first as stop now, and every one after", async () => {
  const clock = new FakeClock(0);
  const signals = new StopSignals({ clock, repeatMs: 1000 });
  assert.equal(signals.receive(), "stop");
  await clock.tick(1000);
  assert.equal(signals.receive(), "stop now");
  await clock.tick(5000);
  assert.equal(signals.receive(), "stop now");
});

Deno.test("StopSignals refuses a negative interval", () => {
  assert.throws(() => new StopSignals({ repeatMs: -1 }), {
    name: "RangeError",
    message: "Cannot use repeatMs as a duration of at least 0: current value is '-1'",
  });
});
