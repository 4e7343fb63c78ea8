import assert from "node:assert/strict";
import { progressLine } from "../../cli/progress.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";

Deno.test("progressLine() shows done/total, rate, ETA and problem counts", async () => {
  const clock = new FakeClock(0);
  const stats = new RunStats({ total: 4, done: 0, failed: 0 }, () => clock.now());
  stats.attempt(200, 3, "done");
  await clock.tick(1000);
  const line = progressLine(stats.snapshot(), { width: 4 });
  assert.equal(
    line,
    "[#...] 1/4 25.0% | 1.0/s | ETA 3s | failed 0 | retries 0 | throttled 0 | unavailable 0 | p50 3ms",
  );
});

Deno.test("progressLine() shows what limits the pace after the rate, and no ETA while paused", async () => {
  const clock = new FakeClock(0);
  const stats = new RunStats({ total: 4, done: 0, failed: 0 }, () => clock.now());
  stats.attempt(200, 3, "done");
  await clock.tick(1000);
  assert.equal(
    progressLine(stats.snapshot(), { width: 0, limit: 'limit 10/s (server quota "default")' }),
    '1/4 25.0% | 1.0/s | limit 10/s (server quota "default") | ETA 3s | failed 0 | retries 0 | throttled 0 | unavailable 0 | p50 3ms',
  );
  assert.equal(
    progressLine(stats.snapshot(), { width: 0, limit: "paused" }),
    "1/4 25.0% | 1.0/s | paused | ETA — | failed 0 | retries 0 | throttled 0 | unavailable 0 | p50 3ms",
  );
});

Deno.test("progressLine() counts 503s as unavailable, never as 429s", () => {
  const stats = new RunStats({ total: 4, done: 0, failed: 0 }, () => 0);
  stats.attempt(503, 3, "throttled"); // a 503 with Retry-After
  stats.attempt(503, 3, "retry");
  const line = progressLine(stats.snapshot(), { width: 0 });
  assert.match(line, /\| throttled 0 \| unavailable 2 \|/);
});

Deno.test("progressLine() shows each cost unit's use after what limits the pace", async () => {
  const clock = new FakeClock(0);
  const stats = new RunStats({ total: 4, done: 0, failed: 0 }, () => clock.now());
  stats.attempt(200, 3, "done");
  await clock.tick(1000);
  assert.equal(
    progressLine(stats.snapshot(), {
      width: 0,
      limit: 'limit 50/s (server quota "tokens")',
      units: "tokens 31.9k spent, 3.5k left",
    }),
    '1/4 25.0% | 1.0/s | limit 50/s (server quota "tokens") | tokens 31.9k spent, 3.5k left | ETA 3s | failed 0 | retries 0 | throttled 0 | unavailable 0 | p50 3ms',
  );
});
