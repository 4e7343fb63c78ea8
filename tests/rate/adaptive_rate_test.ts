import assert from "node:assert/strict";
import { AdaptiveRate } from "../../lib/rate/adaptive_rate.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";

/** Grants `n` requests spread over [from, from + ms) and answers them at `from + ms`. */
function interval(aimd: AdaptiveRate, first: number, n: number, from: number, ms = 1000) {
  for (let i = 0; i < n; i++) aimd.onGrant(first + i, from + (i * ms) / n);
  return aimd.onAnswer(first + n - 1, false, from + ms);
}

Deno.test("AdaptiveRate doubles in slow start once a rate is clean twice in a row", () => {
  const aimd = new AdaptiveRate({ initialRate: 5 });
  // One clean interval could hide a server window about to overflow: not yet.
  assert.equal(interval(aimd, 1, 5, 0), false);
  assert.equal(interval(aimd, 6, 5, 1000), true);
  assert.equal(aimd.rate, 10);
  assert.equal(interval(aimd, 11, 10, 2000), false);
  assert.equal(interval(aimd, 21, 10, 3000), true);
  assert.equal(aimd.rate, 20);
  assert.deepEqual(aimd.snapshot(), {
    rate: 20,
    ceiling: undefined,
    phase: "slow-start",
    decreases: 0,
  });
});

Deno.test("AdaptiveRate does not raise a rate that is not used", () => {
  const aimd = new AdaptiveRate({ initialRate: 50 });
  // Only 10 requests a second (held back by concurrency or by the server's headers).
  for (let s = 0; s < 5; s++) assert.equal(interval(aimd, s * 10 + 1, 10, s * 1000), false);
  assert.equal(aimd.rate, 50);
});

Deno.test("AdaptiveRate goes straight back to the last clean rate after a cut", () => {
  const aimd = new AdaptiveRate({ initialRate: 40, decrease: 0.5 });
  interval(aimd, 1, 40, 0);
  interval(aimd, 41, 40, 1000);
  assert.equal(aimd.rate, 80); // 40 is known clean
  aimd.onGrant(81, 2010);
  aimd.onAnswer(81, true, 2020, 3000);
  assert.equal(aimd.rate, 40);
  assert.equal(aimd.snapshot().ceiling, 60); // halfway between the clean rate and the 429
  // 0.9 x 60 = 54 is the settle point; the rate is back at the clean 40 already,
  // and each newly clean rate steps up by 4% of the estimate.
  interval(aimd, 82, 40, 3000);
  interval(aimd, 122, 40, 4000);
  assert.equal(Math.round(aimd.rate * 10) / 10, 42.4);
});

Deno.test("AdaptiveRate cuts the rate on a 429, once per congestion event", () => {
  const aimd = new AdaptiveRate({ initialRate: 40, decrease: 0.5 });
  for (let g = 1; g <= 10; g++) aimd.onGrant(g, g);
  assert.equal(aimd.onAnswer(3, true, 20, 1020), true);
  assert.equal(aimd.rate, 20);
  // No rate is known clean yet: the limit is estimated halfway down to nothing.
  assert.equal(aimd.snapshot().ceiling, 20);
  // 429s to requests granted before the cut belong to the same event.
  assert.equal(aimd.onAnswer(9, true, 25), false);
  assert.equal(aimd.rate, 20);
  // A later one is a new event.
  aimd.onGrant(11, 1100);
  assert.equal(aimd.onAnswer(11, true, 1110), true);
  assert.equal(aimd.rate, 10);
  assert.equal(aimd.snapshot().decreases, 2);
  assert.equal(new AdaptiveRate({ initialRate: 1, minRate: 0.5 }).rate, 1);
  const floor = new AdaptiveRate({ initialRate: 0.6, minRate: 0.5 });
  floor.onGrant(1, 0);
  floor.onAnswer(1, true, 1);
  assert.equal(floor.rate, 0.5);
});

Deno.test("AdaptiveRate climbs back in additive steps and settles under the ceiling", () => {
  const aimd = new AdaptiveRate({ ceiling: 100, initialRate: 50, settle: 0.9, increase: 0.1 });
  assert.equal(aimd.snapshot().phase, "approach");
  const rates: number[] = [];
  let g = 1;
  for (let s = 0; s < 10; s++) {
    interval(aimd, g, Math.ceil(aimd.rate), s * 1000);
    g += Math.ceil(aimd.rate) + 1;
    rates.push(Math.round(aimd.rate));
  }
  // +10/s (10% of the ceiling) per clean rate (two clean intervals), up to 90% of the ceiling.
  assert.deepEqual(rates, [50, 60, 60, 70, 70, 80, 80, 90, 90, 90]);
  assert.equal(aimd.snapshot().phase, "settled");
});

Deno.test("AdaptiveRate probes above the settle point after a long clean stretch", () => {
  const aimd = new AdaptiveRate({ ceiling: 100, initialRate: 95, settle: 0.95, probeAfter: 3 });
  let g = 1;
  for (let s = 0; s < 4; s++) {
    interval(aimd, g, 95, s * 1000);
    g += 96;
  }
  assert.equal(aimd.snapshot().ceiling, 102);
  assert.equal(Math.round(aimd.rate * 10) / 10, 96.9);
});

Deno.test("AdaptiveRate validates its options", () => {
  assert.throws(() => new AdaptiveRate({ decrease: 1.5 }), RangeError);
  assert.throws(() => new AdaptiveRate({ settle: 0 }), RangeError);
  assert.throws(() => new AdaptiveRate({ intervalMs: 0 }), RangeError);
});

/**
 * A simulated job: `concurrency` workers take grants from a limiter with `--rate
 * auto` and send to a server that allows `limit` requests per second (fixed
 * 1-second windows, or a GCRA bucket with burst 1), answering 429 with
 * Retry-After: 1 as the mock does; a 429 pauses the limiter as the runner does.
 * All on a fake clock: 20 simulated seconds in milliseconds of real time.
 */
async function simulate(limit: number, kind: "window" | "bucket", seconds = 20) {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, adaptive: {}, serverQuota: { learnFirst: true } });
  const served: number[] = Array(seconds + 2).fill(0);
  let throttled = 0;
  let windowStart = -1, used = 0, tat = 0;
  const serve = (t: number): boolean => {
    let ok: boolean;
    if (kind === "bucket") {
      ok = Math.max(tat, t) - t <= 0;
      if (ok) tat = Math.max(tat, t) + 1000 / limit;
    } else {
      const w = Math.floor(t / 1000);
      if (w !== windowStart) [windowStart, used] = [w, 0];
      ok = used < limit;
      if (ok) used++;
    }
    if (ok) served[Math.floor(t / 1000)]!++;
    else throttled++;
    return ok;
  };
  const end = seconds * 1000;
  const worker = async () => {
    while (clock.now() < end) {
      const grant = await limiter.acquire();
      const ok = serve(clock.now());
      await clock.sleep(3); // latency
      const now = clock.now();
      const headers = new Headers(ok ? {} : { "retry-after": "1" });
      limiter.observe(grant, { status: ok ? 200 : 429, headers, now });
      if (!ok) limiter.pauseUntil(now + 1000);
    }
  };
  const workers = Array.from({ length: 32 }, worker);
  while (clock.now() < end + 1000 && await clock.next()) { /* run the simulation */ }
  void workers;
  const total = served.reduce((a, b) => a + b, 0) + throttled;
  const late = served.slice(12, seconds);
  return {
    lateRate: late.reduce((a, b) => a + b, 0) / late.length,
    throttledShare: throttled / total,
    report: limiter.report().adaptive!,
  };
}

for (const kind of ["window", "bucket"] as const) {
  for (const limit of [20, 60, 200]) {
    Deno.test(`AIMD converges under an unpublished limit of ${limit}/s (${kind})`, async () => {
      const { lateRate, throttledShare, report } = await simulate(limit, kind);
      const what = JSON.stringify({ lateRate, throttledShare, report });
      // Settled in seconds 12-20: at least 75% of the limit, never above it.
      assert.ok(lateRate >= 0.75 * limit && lateRate <= limit, what);
      assert.ok(throttledShare < 0.02, what);
      assert.ok(report.ceiling !== undefined && report.ceiling >= limit * 0.95, what);
    });
  }
}
