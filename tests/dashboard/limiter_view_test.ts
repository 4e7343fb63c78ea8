import assert from "node:assert/strict";
import { allowedRate, limiterFields, runState } from "../../lib/dashboard/limiter_view.ts";
import { createMockApi } from "../../lib/mock/mock_api.ts";
import type { BudgetStore } from "../../lib/rate/rate_budget.ts";
import { RateBudget } from "../../lib/rate/rate_budget.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { FakeClock } from "../../lib/util/clock.ts";

const fields = (limiter: RateLimiter, now: number, rate = "40/s") =>
  limiterFields(limiter, { rate, sendRate: 12.3, concurrency: 8, now });

/** The headers the mock API answers with, for a server of `rate` per second at `now`. */
async function mockHeaders(rate: number, now: number): Promise<Headers> {
  const mock = createMockApi({ rate, clock: { now: () => now, sleep: () => Promise.resolve() } });
  const res = await mock.app.request("/search?q=x");
  await res.body?.cancel();
  return res.headers;
}

Deno.test("limiterFields() shows the server's advertised quota, and allowedRate() follows it when tighter", async () => {
  const clock = new FakeClock(1_000_000);
  const limiter = new RateLimiter({ windows: [{ limit: 40, periodMs: 1000 }], clock });
  const grant = await limiter.acquire();
  const headers = await mockHeaders(25, clock.now());
  limiter.observe(grant, { status: 200, headers, now: clock.now() });
  const lines = fields(limiter, clock.now());
  assert.equal(lines.quota, '"default": 25 per 1s, 24 left, resets in 1s');
  assert.equal(lines.allowed, '25/s (server quota "default")');
  assert.equal(lines.configured, "40/s · burst 1");
  assert.equal(lines.sending, "12.3/s");
  assert.equal(lines.inflight, "0 of 8");
  assert.equal(lines.discovered, "— (a fixed rate)");
  assert.equal(lines.breaker, "off");
  assert.equal(lines.cooldown, "none");
  assert.equal(lines.budget, "— (no window of an hour or more)");
  assert.equal(runState(limiter, clock.now()), "running");
});

Deno.test("limiterFields() says when a Retry-After cooldown or a pause holds sending back", () => {
  const clock = new FakeClock(50_000);
  const limiter = new RateLimiter({ windows: [{ limit: 10, periodMs: 1000 }], clock });
  limiter.coolDown(53_000, { kind: "retry-after", status: 503 });
  assert.equal(runState(limiter, 50_000), "cooling down");
  assert.equal(fields(limiter, 50_000).cooldown, "3s left: Retry-After of a 503");
  assert.equal(fields(limiter, 50_000).allowed, "0/s (cooling down)");
  assert.equal(
    fields(limiter, 53_000).cooldown,
    "none (the last: Retry-After of a 503; 1 in all)",
  );
  limiter.hold(true);
  assert.equal(runState(limiter, 60_000), "paused");
  assert.deepEqual(allowedRate(limiter, 60_000), { rate: 0, by: "paused" });
});

Deno.test("limiterFields() shows an open circuit breaker with the time of its probe", () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, breaker: { threshold: 2, cooldownMs: 10_000 } });
  for (const grant of [1, 2]) limiter.observe(grant, { status: 502, headers: undefined, now: 100 });
  assert.equal(runState(limiter, 200), "breaker open");
  assert.equal(fields(limiter, 200).breaker, "open, probes in 10s (opened 1×)");
  assert.equal(fields(limiter, 10_100).breaker, "open (opened 1×)");
  assert.equal(runState(limiter, 10_100), "running");
});

Deno.test("limiterFields() shows the rate --rate auto is at and what it found", () => {
  const limiter = new RateLimiter({ adaptive: { initialRate: 8 } });
  const lines = fields(limiter, 0, "auto");
  assert.equal(lines.discovered, "8/s (slow-start)");
  assert.equal(lines.allowed, "8/s (--rate auto)");
});

Deno.test("limiterFields() shows the daily budget used and left, and allowedRate() 0 once used up", async () => {
  const rows = new Map<string, number>();
  const store: BudgetStore = {
    usage: (scope) =>
      Promise.resolve(
        [...rows].filter(([k]) => k.startsWith(`${scope}|`)).map(([k, used]) => ({
          at: Number(k.split("|")[1]),
          used,
        })),
      ),
    addUsage: (scope, at, delta) => {
      rows.set(`${scope}|${at}`, Math.max(0, (rows.get(`${scope}|${at}`) ?? 0) + delta));
      return Promise.resolve();
    },
  };
  const clock = new FakeClock(5_000);
  const day = { limit: 3, periodMs: 86_400_000 };
  const limiter = new RateLimiter({
    windows: [{ limit: 100, periodMs: 1000 }, day],
    budget: new RateBudget(store, "api", [day], { chunk: 1 }),
    clock,
  });
  await limiter.acquire();
  await clock.tick(10);
  await limiter.acquire();
  assert.equal(fields(limiter, clock.now()).budget, "2 of 3/day used, 1 left");
  assert.equal(allowedRate(limiter, clock.now())?.by, "--rate 100/s");
  await clock.tick(10);
  await limiter.acquire();
  assert.equal(fields(limiter, clock.now()).budget, "3 of 3/day used, 0 left");
  assert.deepEqual(allowedRate(limiter, clock.now()), { rate: 0, by: "--rate 3/day used up" });
});

Deno.test("allowedRate() converts a unit's window and quota into requests at the mean cost, and says which set it", async () => {
  const limiter = new RateLimiter({
    windows: [{ limit: 50, periodMs: 1000 }],
    units: { tokens: { windows: [{ limit: 6000, periodMs: 60_000 }] } },
  });
  assert.deepEqual(allowedRate(limiter, 0), { rate: 50, by: "--rate 50/s" }); // no cost known yet
  const g = await limiter.acquire(undefined, { tokens: 10 });
  limiter.observe(g, { status: 200, headers: undefined, now: 0, usage: { tokens: 20 } });
  // 100 tokens a second at 20 tokens a request: 5 requests a second.
  assert.deepEqual(allowedRate(limiter, 0), {
    rate: 5,
    by: "--rate tokens=6,000/min",
    unit: "tokens",
  });
  const h = await limiter.acquire(undefined, { tokens: 20 });
  limiter.observe(h, {
    status: 200,
    headers: new Headers({
      "x-ratelimit-limit-tokens": "1200",
      "x-ratelimit-remaining-tokens": "600",
      "x-ratelimit-reset-tokens": "30s",
    }),
    now: 0,
    usage: { tokens: 20 },
  });
  // A bucket of 1,200 refilled in 60 s: 20 tokens a second, one request a second.
  assert.deepEqual(allowedRate(limiter, 0), {
    rate: 1,
    by: 'server quota "tokens"',
    unit: "tokens",
  });
});

Deno.test("limiterFields() and the history point read one state: a cooldown apart from an open breaker", async () => {
  const { historyPoint } = await import("../../lib/dashboard/history_point.ts");
  const { RunStats } = await import("../../lib/run/run_stats.ts");
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, breaker: { threshold: 1, cooldownMs: 10_000 } });
  const stats = new RunStats({ total: 1, done: 0, failed: 0 }, () => clock.now());
  const point = () =>
    historyPoint({
      snapshot: () => stats.snapshot(),
      limiter: () => limiter,
      concurrency: () => 1,
    });
  limiter.observe(await limiter.acquire(), { status: 503, headers: undefined, now: 0 });
  // A cooldown: the panel says so, and the point shades it as a cooldown, no breaker.
  assert.match(fields(limiter, 0).cooldown, /^\d+ms left: after 1 × 503 \(no wait time given\)$/);
  assert.equal(fields(limiter, 0).breaker, "closed");
  assert.ok(point().cooldownUntil! > 0);
  assert.equal(point().breakerUntil, 0);
  await clock.tick(2_000);
  limiter.observe(await limiter.acquire(), { status: 500, headers: undefined, now: clock.now() });
  assert.match(fields(limiter, clock.now()).cooldown, /^none \(the last:/);
  assert.equal(fields(limiter, clock.now()).breaker, "open, probes in 10s (opened 1×)");
  assert.equal(point().cooldownUntil, 0);
  assert.equal(point().breakerUntil, clock.now() + 10_000);
});
