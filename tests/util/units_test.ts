import assert from "node:assert/strict";
import { parseDuration, parseSize } from "../../lib/util/units.ts";
import { formatRate, parseRate } from "../../lib/rate/rate_spec.ts";
import { formatDuration } from "../../lib/util/units.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { VERSION } from "../../lib/version.ts";

Deno.test("parseDuration() reads units and rejects junk with the value in the message", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("1500"), 1500);
  assert.throws(() => parseDuration("soon", "--timeout"), {
    name: "RangeError",
    message: "Cannot parse --timeout as a duration: current value is 'soon'",
  });
  assert.throws(() => parseDuration("-1s"), RangeError);
});

Deno.test("parseSize() reads decimal and binary units", () => {
  assert.equal(parseSize("10MB"), 10_000_000);
  assert.equal(parseSize("1MiB"), 1_048_576);
  assert.equal(parseSize("512"), 512);
  assert.throws(() => parseSize("big"), RangeError);
});

Deno.test("parseRate() reads several windows, none and auto", () => {
  assert.deepEqual(parseRate("50/s"), {
    kind: "windows",
    windows: [{ limit: 50, periodMs: 1000 }],
  });
  assert.deepEqual(parseRate("3000/min").kind, "windows");
  assert.deepEqual(parseRate("20/s,1000/min,50000/day"), {
    kind: "windows",
    windows: [
      { limit: 20, periodMs: 1000 },
      { limit: 1000, periodMs: 60_000 },
      { limit: 50_000, periodMs: 86_400_000 },
    ],
  });
  assert.deepEqual(parseRate("100/10s"), {
    kind: "windows",
    windows: [{ limit: 100, periodMs: 10_000 }],
  });
  assert.deepEqual(parseRate(25), { kind: "windows", windows: [{ limit: 25, periodMs: 1000 }] });
  assert.deepEqual(parseRate("none"), { kind: "none" });
  assert.deepEqual(parseRate("auto"), { kind: "auto" });
  assert.equal(formatRate(parseRate("20/s,1000/min")), "20/s,1000/min");
});

Deno.test("parseRate() rejects bad rates with the value in the message", () => {
  for (const bad of ["x/s", "0/s", "-5/s", "10/fortnight", "", "5/s,,"]) {
    assert.throws(() => parseRate(bad), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /^Cannot parse rate/);
      assert.ok(e.message.includes(`'${bad}'`), e.message);
      return true;
    });
  }
});

Deno.test("formatDuration() picks a readable unit", () => {
  assert.equal(formatDuration(850), "850ms");
  assert.equal(formatDuration(12_400), "12s");
  assert.equal(formatDuration(185_000), "3m05s");
  assert.equal(formatDuration(3_720_000), "1h02m");
  assert.equal(formatDuration(undefined), "?");
});

Deno.test("RunStats counts outcomes, statuses and percentiles, and rates by the clock", async () => {
  const clock = new FakeClock(1_000_000);
  const stats = new RunStats({ total: 10, done: 2, failed: 0 }, () => clock.now());
  for (let i = 0; i < 4; i++) stats.attempt(200, 10, "done");
  stats.attempt(503, 100, "retry", "http 503");
  stats.attempt(429, 5, "throttled", "http 429");
  stats.attempt(404, 20, "failed", "http 404");
  const s = stats.snapshot();
  assert.equal(s.done, 6);
  assert.equal(s.failed, 1);
  assert.equal(s.pending, 3);
  assert.equal(s.sent, 7);
  assert.equal(s.retried, 1);
  assert.equal(s.throttled, 1);
  assert.deepEqual(s.byStatus, { "200": 4, "503": 1, "429": 1, "404": 1 });
  assert.deepEqual(s.errors, { "http 404": 1 });
  assert.ok(s.p50Ms! >= 9.5 && s.p50Ms! <= 10.5, String(s.p50Ms));
  assert.ok(s.p95Ms! >= 95 && s.p95Ms! <= 105, String(s.p95Ms));
  await clock.tick(2000);
  const later = stats.snapshot();
  assert.equal(later.rate, 5 / 2);
  assert.equal(later.etaMs, (3 / 2.5) * 1000);
});

Deno.test("VERSION matches deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(VERSION, config.version);
});

Deno.test("RateLimiter.hold() keeps every grant back until released", async () => {
  const { RateLimiter } = await import("../../lib/rate/rate_limiter.ts");
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ windows: [], clock });
  limiter.hold(true);
  let granted = false;
  const grant = limiter.acquire().then(() => granted = true);
  await clock.tick(60_000);
  assert.equal(granted, false);
  assert.equal(limiter.held, true);
  limiter.hold(false);
  await grant;
  assert.equal(granted, true);
});
