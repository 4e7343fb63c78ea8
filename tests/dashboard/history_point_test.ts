import assert from "node:assert/strict";
import { historyPoint } from "../../lib/dashboard/history_point.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { openStore } from "../../lib/store/store.ts";
import { FakeClock } from "../../lib/util/clock.ts";

Deno.test("historyPoint() records the run's counters, recent latency, statuses, in flight, cooldown and pause", () => {
  const clock = new FakeClock(100_000);
  const stats = new RunStats({ total: 10, done: 2, failed: 0 }, () => clock.now());
  stats.attempt(200, 10, "done");
  stats.attempt(200, 30, "done");
  stats.attempt(503, 100, "retry");
  stats.attempt(undefined, 5000, "retry");
  const limiter = new RateLimiter({ windows: [{ limit: 4, periodMs: 1000 }], clock });
  limiter.pauseUntil(102_500);
  const point = historyPoint({
    snapshot: () => stats.snapshot(),
    limiter: () => limiter,
    concurrency: () => 6,
  });
  assert.deepEqual(
    { at: point.at, done: point.done, sent: point.sent, retried: point.retried },
    { at: 100_000, done: 4, sent: 4, retried: 2 },
  );
  assert.deepEqual(point.statuses, { "200": 2, "503": 1, error: 1 });
  assert.ok(point.recentP50Ms! >= 28 && point.recentP50Ms! <= 31, String(point.recentP50Ms));
  assert.ok(point.recentP99Ms! >= 4900, String(point.recentP99Ms));
  assert.deepEqual(
    [point.inflight, point.concurrency, point.cooldownUntil, point.paused, point.rateLimit],
    [0, 6, 102_500, false, 0],
  );
  // Without a limiter (a run not paced here), only the statistics.
  const bare = historyPoint({ snapshot: () => stats.snapshot() });
  assert.equal(bare.inflight, undefined);
  assert.equal(bare.paused, undefined);
});

Deno.test("history keeps the new series (schema 5) and spreads a long history evenly", async () => {
  const store = await openStore(":memory:");
  const base = { done: 0, failed: 0, sent: 0, throttled: 0, retried: 0, rate: 0 };
  const full = {
    ...base,
    at: 1_000,
    p50Ms: 5,
    p95Ms: 9,
    recentP50Ms: 4,
    recentP95Ms: 8,
    recentP99Ms: 12,
    statuses: { "200": 3, "429": 1 },
    inflight: 2,
    concurrency: 16,
    cooldownUntil: 2_500,
    paused: true,
    rateLimit: 9.5,
  };
  await store.history.add(1, full);
  // A row as older versions saved it: none of the new series.
  await store.history.add(1, { ...base, at: 2_000, p50Ms: null, p95Ms: null });
  assert.deepEqual(await store.history.read(1), [
    full,
    { ...base, at: 2_000, p50Ms: null, p95Ms: null },
  ]);
  for (let i = 3; i <= 100; i++) {
    await store.history.add(1, { ...base, at: i * 1000, sent: i, p50Ms: null, p95Ms: null });
  }
  const spread = await store.history.readSpread(1, 10);
  assert.deepEqual(spread.map((p) => p.at / 1000), [1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100]);
  assert.equal((await store.history.readSpread(1, 1000)).length, 100);
  assert.deepEqual(await store.history.readSpread(2), []);
  store.close();
});

Deno.test("historyPoint() records each cost unit's use and which set the pace; history keeps them (schema 11)", async () => {
  const clock = new FakeClock(100_000);
  const stats = new RunStats({ total: 2, done: 0, failed: 0 }, () => clock.now());
  const limiter = new RateLimiter({
    windows: [{ limit: 50, periodMs: 1000 }],
    units: { tokens: { windows: [{ limit: 6000, periodMs: 60_000 }] } },
    clock,
  });
  const grant = await limiter.acquire(undefined, { tokens: 100 });
  limiter.observe(grant, {
    status: 200,
    headers: undefined,
    now: clock.now(),
    usage: { tokens: 300 },
  });
  stats.attempt(200, 10, "done");
  const point = historyPoint({ snapshot: () => stats.snapshot(), limiter: () => limiter });
  assert.deepEqual(point.units, [
    { unit: "tokens", spent: 300, left: 5700, of: "6,000/min", pacing: true },
  ]);
  // 100 tokens a second at 300 a request: the tokens set the pace (pacing), not the 50/s.
  const store = await openStore(":memory:");
  await store.history.add(1, point);
  const [read] = await store.history.read(1);
  assert.deepEqual(read!.units, point.units);
  store.close();
});
