import assert from "node:assert/strict";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";

/** Deterministic draws in [0, 1). */
function draws(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const within = (value: number | undefined, expected: number, fraction: number) =>
  value !== undefined && Math.abs(value - expected) <= expected * fraction;

Deno.test("RunStats reads a server that answers in 40 ms as 40 ms, not a bucket's edge", () => {
  const clock = new FakeClock(1_000_000);
  const stats = new RunStats({ total: 100, done: 0, failed: 0 }, () => clock.now());
  for (let i = 0; i < 100; i++) stats.attempt(200, 40, "done");
  const s = stats.snapshot();
  assert.equal(s.p50Ms, 40);
  assert.equal(s.p95Ms, 40);
  assert.deepEqual(s.recentMs, { p50: 40, p95: 40, p99: 40 });
});

Deno.test("RunStats interpolates percentiles within buckets: within 2% of the exact ones", () => {
  const clock = new FakeClock(1_000_000);
  const stats = new RunStats({ total: 0, done: 0, failed: 0 }, () => clock.now());
  const random = draws(7);
  const times: number[] = [];
  for (let i = 0; i < 5000; i++) {
    // 38..46 ms, a few slow ones: what a 40 ms server looks like from the client.
    const ms = random() < 0.02 ? 200 + 300 * random() : 38 + 8 * random();
    times.push(ms);
    stats.attempt(200, ms, "done");
  }
  times.sort((a, b) => a - b);
  const exact = (f: number) => times[Math.ceil(f * times.length) - 1]!;
  const s = stats.snapshot();
  for (const [name, value, f] of [["p50", s.p50Ms, 0.5], ["p95", s.p95Ms, 0.95]] as const) {
    assert.ok(within(value, exact(f), 0.02), `${name} ${value} vs ${exact(f)}`);
  }
  assert.ok(within(s.recentMs!.p99, exact(0.99), 0.05), `p99 ${s.recentMs!.p99} vs ${exact(0.99)}`);
  // A p95 that moves between two measures moves smoothly, not from one bucket edge to the next.
  const before = s.recentMs!.p95;
  for (let i = 0; i < 50; i++) stats.attempt(200, 45.9, "done");
  const after = stats.snapshot().recentMs!.p95;
  assert.ok(after - before < 0.5 * (before * 0.05), `${before} -> ${after}`);
});

Deno.test("RunStats has no recent percentile while nothing was sent for the window", async () => {
  const clock = new FakeClock(1_000_000);
  const stats = new RunStats({ total: 2, done: 0, failed: 0 }, () => clock.now());
  stats.attempt(200, 873, "done");
  await clock.tick(10_000);
  const s = stats.snapshot();
  assert.equal(s.recentMs, undefined);
  assert.equal(s.p50Ms, 873, "since the start, it is still measured");
});

Deno.test("RunStats.sendRate reads 0 within two seconds of the last send (a pause)", async () => {
  const clock = new FakeClock(1_000_500);
  const stats = new RunStats({ total: 1000, done: 0, failed: 0 }, () => clock.now());
  for (let t = 0; t < 5000; t += 50) {
    stats.attempt(200, 10, "done");
    await clock.tick(50);
  }
  assert.ok(within(stats.snapshot().sendRate, 20, 0.1), String(stats.snapshot().sendRate));
  // Paused: nothing more is sent.
  await clock.tick(1000);
  assert.ok(stats.snapshot().sendRate > 0);
  await clock.tick(1000);
  assert.equal(stats.snapshot().sendRate, 0);
  assert.ok(stats.snapshot().rate > 0, "items/s is over 10 s, for the ETA");
});

Deno.test("RunStats counts 429s as throttled and 503s as unavailable, Retry-After or not", () => {
  const stats = new RunStats({ total: 4, done: 0, failed: 0 }, () => 0);
  stats.attempt(503, 3, "throttled"); // with Retry-After: no attempt spent
  stats.attempt(503, 3, "retry"); // without
  stats.attempt(503, 3, "failed", "http 503 (after 5 attempts)");
  stats.attempt(500, 3, "retry");
  const s = stats.snapshot();
  assert.equal(s.throttled, 0);
  assert.equal(s.unavailable, 3);
  assert.equal(s.retried, 2);
  stats.attempt(429, 3, "throttled");
  assert.equal(stats.snapshot().throttled, 1);
});
