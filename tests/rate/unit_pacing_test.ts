import assert from "node:assert/strict";
import { FakeClock } from "../../lib/util/clock.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RateBudget } from "../../lib/rate/rate_budget.ts";
import { createRunLimiter } from "../../lib/rate/create_run_limiter.ts";
import { parseRate } from "../../lib/rate/rate_spec.ts";
import { openStore } from "../../lib/store/store.ts";

/** Asks for `costs.length` grants in order, each of its cost; the clock time each was granted at. */
function acquireAll(limiter: RateLimiter, clock: FakeClock, costs: (number | undefined)[]) {
  const times: number[] = [];
  const grants: number[] = [];
  const done = Promise.all(
    costs.map((tokens) =>
      limiter.acquire(undefined, tokens === undefined ? undefined : { tokens }).then((grant) => {
        times.push(clock.now());
        grants.push(grant);
      })
    ),
  );
  return { times, grants, done };
}

/** Grants one request of `cost` at `now` and answers it with `headers`. */
async function answered(
  limiter: RateLimiter,
  cost: Record<string, number>,
  headers: Record<string, string>,
  now: number,
): Promise<void> {
  const grant = await limiter.acquire(undefined, cost);
  limiter.observe(grant, { status: 200, headers: new Headers(headers), now });
}

const tokensPerSecond = (limit: number, burst?: number) => ({
  tokens: { windows: [{ limit, periodMs: 1000 }], ...(burst ? { burst } : {}) },
});

Deno.test("RateLimiter paces a unit's window by each request's cost, paid before the next goes", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000) });
  const { times, done } = acquireAll(limiter, clock, [300, 100, 600, 50]);
  await clock.tick(2000);
  await done;
  assert.deepEqual(times, [0, 300, 400, 1000]);
  assert.deepEqual(limiter.units, ["tokens"]);
});

Deno.test("RateLimiter holds a unit's window exactly with a burst: never more than the limit in any period", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000, 1000) });
  const costs = Array.from({ length: 60 }, (_, i) => 50 + (i * 37) % 200);
  const { times, done } = acquireAll(limiter, clock, costs);
  for (let t = 0; t < 20_000; t += 7) await clock.tick(7); // late timers, uneven steps
  await done;
  for (let i = 0; i < times.length; i++) {
    let sum = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + 1000; j++) sum += costs[j]!;
    assert.ok(sum <= 1000, `${sum} tokens within 1 s from grant ${i}`);
  }
  // The burst lets the first 1000 tokens go at once.
  assert.equal(times.filter((t) => t === 0).length, 7);
});

Deno.test("RateLimiter: the usage an answer reports settles its estimate, giving back or taking more", async () => {
  for (const [usage, next] of [[100, 100], [300, 300], [700, 700]] as const) {
    const clock = new FakeClock();
    const tokens = { windows: [{ limit: 10_000, periodMs: 10_000 }] }; // 1 token a ms
    const limiter = new RateLimiter({ clock, units: { tokens } });
    const first = await limiter.acquire(undefined, { tokens: 300 });
    limiter.observe(first, { status: 200, headers: undefined, now: 0, usage: { tokens: usage } });
    const { times, done } = acquireAll(limiter, clock, [100]);
    await clock.tick(1000);
    await done;
    assert.deepEqual(times, [next], `usage ${usage}`);
  }
});

Deno.test("RateLimiter: a usage beyond a whole window (a wrong --usage path, 1e20 tokens) holds the unit up one window, not for ever", async () => {
  const clock = new FakeClock();
  const tokens = { windows: [{ limit: 10_000, periodMs: 10_000 }] }; // 1 token a ms
  const limiter = new RateLimiter({ clock, units: { tokens } });
  const first = await limiter.acquire(undefined, { tokens: 300 });
  limiter.observe(first, { status: 200, headers: undefined, now: 0, usage: { tokens: 1e20 } });
  const { times, done } = acquireAll(limiter, clock, [100, 100]);
  await clock.tick(30_000);
  await done;
  assert.deepEqual(times, [10_000, 10_100]);
});

Deno.test("RateLimiter: a failed attempt that reports no usage keeps its estimate spent", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000) });
  const first = await limiter.acquire(undefined, { tokens: 300 });
  limiter.observe(first, { status: 500, headers: undefined, now: 0 });
  const { times, done } = acquireAll(limiter, clock, [100]);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [300]);
  assert.equal(limiter.report().units![0]!.spent, 400);
});

Deno.test("RateLimiter: without a cost, a request reserves the mean usage settled so far", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000) });
  for (const used of [200, 400]) {
    const g = await limiter.acquire(); // reserves the mean so far (0 before any)
    limiter.observe(g, {
      status: 200,
      headers: undefined,
      now: clock.now(),
      usage: { tokens: used },
    });
    await clock.tick(1000);
  }
  assert.equal(limiter.report().units![0]!.estimate, 300);
  const { times, done } = acquireAll(limiter, clock, [undefined, undefined]);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times.map((t) => t - 2000), [0, 300]);
});

Deno.test("RateLimiter keeps a reserve against estimates that run over, none for upper bounds", async () => {
  const over = async (usage: number) => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000, 1000) });
    // Ten requests estimated at 50 each report `usage`.
    for (let i = 0; i < 10; i++) {
      const g = await limiter.acquire(undefined, { tokens: 50 });
      limiter.observe(g, { status: 200, headers: undefined, now: 0, usage: { tokens: usage } });
    }
    await clock.tick(1000); // the window is empty again
    const { times, done } = acquireAll(limiter, clock, Array(12).fill(90));
    await clock.tick(0);
    const atOnce = times.length;
    await clock.tick(5000);
    await done;
    return atOnce;
  };
  // Estimates always above the usage: the whole window (11 of 90) goes at once.
  assert.equal(await over(40), 11);
  // Estimates 10 under: a reserve of 3σ of the unsettled errors stays unspent.
  const underestimated = await over(60);
  assert.ok(underestimated < 11 && underestimated >= 9, `${underestimated}`);
});

Deno.test("RateLimiter paces tokens from OpenAI's headers: what remains, then what the bucket refills", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  await answered(limiter, { tokens: 100 }, {
    "x-ratelimit-limit-requests": "100",
    "x-ratelimit-remaining-requests": "99",
    "x-ratelimit-reset-requests": "600ms",
    "x-ratelimit-limit-tokens": "1000",
    "x-ratelimit-remaining-tokens": "250",
    "x-ratelimit-reset-tokens": "1.5s",
  }, 0);
  assert.deepEqual(limiter.units, ["tokens"]);
  const { times, done } = acquireAll(limiter, clock, [100, 100, 100]);
  // 250 left; the bucket is full in 1.5 s: it refills 750 tokens in 1.5 s, 1 per 2 ms.
  // Two go at once, the third once the 50 it lacks have come back.
  await clock.tick(99);
  assert.deepEqual(times, [0, 0]);
  await clock.tick(1);
  await done;
  assert.deepEqual(times, [0, 0, 100]);
  assert.deepEqual(
    limiter.report().quotas.map((q) => [q.unit, q.limit]).sort(),
    [["requests", 100], ["tokens", 1000]],
  );
});

Deno.test("RateLimiter paces each of Anthropic's units: input tokens hold while output tokens have room", async () => {
  // 500 input tokens left of 2,000, full again in 3 s: 1 back every 2 ms.
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
  const start = clock.now();
  const limiter = new RateLimiter({ clock });
  const reset = new Date(start + 3000).toISOString();
  await answered(limiter, { "input-tokens": 500, "output-tokens": 100 }, {
    "anthropic-ratelimit-input-tokens-limit": "2000",
    "anthropic-ratelimit-input-tokens-remaining": "500",
    "anthropic-ratelimit-input-tokens-reset": reset,
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "7900",
    "anthropic-ratelimit-output-tokens-reset": reset,
  }, start);
  const times: number[] = [];
  const done = Promise.all(
    [1, 2].map(() =>
      limiter.acquire(undefined, { "input-tokens": 400, "output-tokens": 10 }).then(() =>
        times.push(clock.now() - start)
      )
    ),
  );
  await clock.tick(599);
  assert.deepEqual(times, [0]);
  await clock.tick(1);
  await done;
  assert.deepEqual(times, [0, 600]);
});

Deno.test("RateLimiter paces a unit the IETF draft's policy names (qu), at its reset", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  await answered(limiter, { points: 10 }, {
    "ratelimit-policy": '"pts";q=100;w=2;qu="points"',
    "ratelimit": '"pts";r=25;t=2',
  }, 0);
  const at: number[] = [];
  const all = Promise.all(
    [1, 2, 3].map(() =>
      limiter.acquire(undefined, { points: 10 }).then(() => at.push(clock.now()))
    ),
  );
  await clock.tick(2000);
  await all;
  // Not a bucket: what is left (25) until the reset, then the whole quota.
  assert.deepEqual(at, [0, 0, 2000]);
});

Deno.test("RateLimiter: a cost above a unit's whole window goes once the window is empty", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, units: tokensPerSecond(1000, 1000) });
  const { times, done } = acquireAll(limiter, clock, [400, 2500, 100]);
  await clock.tick(10_000);
  await done;
  assert.deepEqual(times, [0, 1000, 2000]);
});

Deno.test("RateLimiter splits a unit's windows among workers as it splits requests'", () => {
  const limiter = new RateLimiter({
    windows: [{ limit: 90, periodMs: 1000 }],
    units: {
      tokens: {
        windows: [{ limit: 9000, periodMs: 60_000 }, { limit: 1e6, periodMs: 86_400_000 }],
      },
    },
  });
  limiter.setShare(1 / 3);
  assert.deepEqual(limiter.windows, [{ limit: 30, periodMs: 1000 }]);
  // A day's budget is one for every worker: kept in the database, not split.
  assert.deepEqual(limiter.unitWindows("tokens"), [
    { limit: 3000, periodMs: 60_000 },
    { limit: 1e6, periodMs: 86_400_000 },
  ]);
});

Deno.test("createRunLimiter() keeps a unit's daily window in the database, settled by usage, across runs", async () => {
  const store = await openStore(":memory:");
  const DAY = 86_400_000;
  const clock = new FakeClock(1_700_000_000_000 - (1_700_000_000_000 % DAY));
  const job = { name: "j", request: { url: "https://api.example.com/v1" } };
  const limiter = createRunLimiter(store.budget, job, {
    rate: parseRate("none,tokens=1000/day"),
    clock,
  });
  const g = await limiter.acquire(undefined, { tokens: 600 });
  limiter.observe(g, { status: 200, headers: undefined, now: clock.now(), usage: { tokens: 700 } });
  await limiter.close();
  const rows = await store.budget.usage("https://api.example.com tokens", 0);
  assert.equal(rows.reduce((sum, r) => sum + r.used, 0), 700);
  // The next run finds 300 left today: a request of 400 waits for tomorrow.
  const next = new RateBudget(store.budget, "https://api.example.com", [{
    limit: 1000,
    periodMs: DAY,
  }], {
    unit: "tokens",
  });
  assert.equal(await next.reserve(clock.now(), 300), 0);
  assert.equal(next.has(300), true);
  assert.ok(await next.reserve(clock.now(), 400) > clock.now());
  store.close();
});

/** OpenAI's headers for `remaining` of 1,000 tokens, reset as a Go duration of `resetMs`. */
const openaiTokens = (remaining: number, resetMs: number) => ({
  "x-ratelimit-limit-tokens": "1000",
  "x-ratelimit-remaining-tokens": String(remaining),
  "x-ratelimit-reset-tokens": `${resetMs / 1000}s`,
});

Deno.test("RateLimiter paces OpenAI's headers as a fixed window once the resets stand still as tokens are spent", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  // A server whose window ends at 3 s whatever is spent (not a bucket, as the family says).
  for (const [at, remaining] of [[0, 900], [100, 800], [200, 700]] as const) {
    await clock.tick(at - clock.now());
    await answered(limiter, { tokens: 100 }, openaiTokens(remaining, 3000 - at), at);
  }
  const tokens = limiter.report().quotas.find((q) => q.unit === "tokens")!;
  assert.equal(tokens.refillPerSecond, undefined);
  const { times, done } = acquireAll(limiter, clock, [300, 300, 300]);
  // 700 left until the reset: two go now, the third at the reset, not as a refill would have it.
  await clock.tick(2799);
  assert.deepEqual(times, [200, 200]);
  await clock.tick(1);
  await done;
  assert.deepEqual(times, [200, 200, 3000]);
});

Deno.test("RateLimiter keeps pacing OpenAI's headers as a bucket while each reset moves with what is spent", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  // A bucket of 1,000 tokens refilling one every 3 ms: full again 3 ms per missing token.
  for (const [at, remaining] of [[0, 900], [100, 833], [200, 766], [300, 700]] as const) {
    await clock.tick(at - clock.now());
    await answered(limiter, { tokens: 100 }, openaiTokens(remaining, (1000 - remaining) * 3), at);
  }
  const tokens = limiter.report().quotas.find((q) => q.unit === "tokens")!;
  assert.ok(Math.abs(tokens.refillPerSecond! - 1000 / 3) < 1, String(tokens.refillPerSecond));
});

Deno.test("RateLimiter counts the usage of requests granted before the server first advertised their unit", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  const headers = new Headers(openaiTokens(900, 300));
  // Two in flight before any answer: neither reserved tokens, both report their usage.
  const [a, b] = [await limiter.acquire(), await limiter.acquire()];
  limiter.observe(a, { status: 200, headers, now: 0, usage: { tokens: 60 } });
  limiter.observe(b, { status: 200, headers, now: 0, usage: { tokens: 40 } });
  const [tokens] = limiter.report().units!;
  assert.deepEqual([tokens!.unit, tokens!.spent, tokens!.settled, tokens!.estimate], [
    "tokens",
    100,
    2,
    50,
  ]);
});
