import assert from "node:assert/strict";
import { FakeClock } from "../../lib/util/clock.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { parseRetryAfter } from "../../lib/rate/retry_after.ts";
import { decideOutcome } from "../../lib/run/outcome.ts";

const SECOND = { limit: 10, periodMs: 1000 };

/** Starts `n` acquires and returns the clock time each was granted at (in order of grant). */
function acquireAll(limiter: RateLimiter, clock: FakeClock, n: number) {
  const times: number[] = [];
  const grants: number[] = [];
  const done = Promise.all(
    Array.from({ length: n }, () =>
      limiter.acquire().then((grant) => {
        times.push(clock.now());
        grants.push(grant);
      })),
  );
  return { times, grants, done };
}

Deno.test("RateLimiter spaces requests evenly at the rate", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [SECOND], clock });
  const { times, grants, done } = acquireAll(limiter, clock, 5);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [0, 100, 200, 300, 400]);
  assert.deepEqual(grants, [1, 2, 3, 4, 5]);
  assert.equal(limiter.granted, 5);
});

Deno.test("RateLimiter lets a burst go at once, then goes back to the rate", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [SECOND], burst: 3, clock });
  const { times, done } = acquireAll(limiter, clock, 6);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [0, 0, 0, 100, 200, 300]);
});

Deno.test("RateLimiter enforces every window at once", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({
    windows: [{ limit: 15, periodMs: 60_000 }, SECOND],
    clock,
  });
  assert.deepEqual(limiter.windows.map((w) => w.periodMs), [1000, 60_000]);
  const { times, done } = acquireAll(limiter, clock, 17);
  await clock.tick(2_000);
  assert.equal(times.length, 15);
  assert.deepEqual(times.slice(0, 3), [0, 100, 200]);
  assert.equal(times[14], 1400);
  await clock.tick(57_999);
  assert.equal(times.length, 15); // the minute window is full until 60 s after the first
  await clock.tick(200);
  await done;
  assert.deepEqual(times.slice(15), [60_000, 60_100]);
});

Deno.test("RateLimiter holds every window exactly, even with bursts and late timers", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [{ limit: 40, periodMs: 1000 }], burst: 5, clock });
  const { times, done } = acquireAll(limiter, clock, 400);
  // Advance in uneven steps, as real timers fire late.
  for (let t = 0; t < 12_000; t += 7) await clock.tick(7);
  await done;
  for (let i = 40; i < times.length; i++) {
    assert.ok(times[i]! - times[i - 40]! >= 1000, `41 grants within 1 s at #${i}`);
  }
  assert.ok(times.at(-1)! <= 10_100, `slower than the rate: ${times.at(-1)}`);
});

Deno.test("RateLimiter.pauseUntil() defers every grant; a shorter pause never shortens it", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [SECOND], clock });
  limiter.pauseUntil(500);
  limiter.pauseUntil(200);
  assert.equal(limiter.cooldownUntil, 500);
  const { times, done } = acquireAll(limiter, clock, 2);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [500, 600]);
});

Deno.test("RateLimiter.acquire() rejects when its signal aborts, and the queue moves on", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [SECOND], clock });
  await limiter.acquire();
  const stop = new AbortController();
  const aborted = limiter.acquire(stop.signal);
  const next = limiter.acquire();
  stop.abort(new Error("stop"));
  await assert.rejects(aborted, /stop/);
  await clock.tick(100);
  assert.equal(await next, 2);
});

Deno.test("Retry-After: delta seconds and HTTP date, capped by --max-retry-after", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:09 GMT", now), 9000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  assert.equal(parseRetryAfter("-3", now), undefined);
  const counts = { attempts: 0, throttled: 0 };
  const at = (value: string, policy = {}) =>
    decideOutcome(
      { status: 429, headers: new Headers({ "retry-after": value }) },
      counts,
      policy,
      now,
    );
  assert.deepEqual(at("7"), { kind: "throttled", cooldownMs: 7000, reason: "http 429" });
  assert.deepEqual(at("Wed, 21 Oct 2015 07:28:09 GMT"), {
    kind: "throttled",
    cooldownMs: 9000,
    reason: "http 429",
  });
  assert.equal(
    (at("3600", { maxRetryAfterMs: 60_000 }) as { cooldownMs: number }).cooldownMs,
    60_000,
  );
  const outage = decideOutcome(
    { status: 503, headers: new Headers({ "retry-after": "2" }) },
    counts,
    {},
    now,
  );
  assert.equal(outage.kind, "throttled");
});

Deno.test("RateLimiter: Retry-After wins over the server's RateLimit window", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  const first = await limiter.acquire();
  // A 429 that says "0 left for 60 s" but "retry after 2 s": the runner pauses 2 s...
  limiter.observe(first, {
    status: 429,
    headers: new Headers({ "ratelimit": "r=0;t=60", "retry-after": "2" }),
    now: 0,
  });
  limiter.pauseUntil(2000);
  const { times, done } = acquireAll(limiter, clock, 1);
  // ... and the quota's window ends then too, instead of 60 s later.
  await clock.tick(2000);
  await done;
  assert.deepEqual(times, [2000]);
  // A Retry-After longer than the cap is cut to it.
  const capped = new RateLimiter({ clock, maxRetryAfterMs: 5000 });
  const g = await capped.acquire();
  capped.observe(g, {
    status: 503,
    headers: new Headers({ "ratelimit": "r=0;t=600", "retry-after": "3600" }),
    now: clock.now(),
  });
  assert.equal(capped.report().quotas[0]!.resetAt, clock.now() + 5000);
});

Deno.test("RateLimiter paces from RateLimit headers: never more than R before the reset", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [{ limit: 1000, periodMs: 1000 }], clock });
  const g1 = await limiter.acquire();
  limiter.observe(g1, {
    status: 200,
    headers: new Headers({ "ratelimit-policy": "q=5;w=10", "ratelimit": "r=3;t=10" }),
    now: 0,
  });
  const { times, grants, done } = acquireAll(limiter, clock, 6);
  await clock.tick(9_999);
  assert.deepEqual(times, [1, 2, 3]); // 3 remain: at 1000/s, then nothing until the reset
  await clock.tick(2);
  // After the reset: the full quota (5) minus the 3 still unanswered.
  assert.deepEqual(times.slice(3), [10_000, 10_001]);
  for (const g of grants) limiter.observe(g, { status: 200, headers: undefined, now: clock.now() });
  await clock.tick(20_000);
  await done;
  assert.deepEqual(times.slice(5), [20_000]);
});

Deno.test("RateLimiter counts requests granted but not yet answered against the quota", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  const g = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
  // The answer to the first says 3 remain; the other two may not be counted yet.
  limiter.observe(g[0]!, { status: 200, headers: new Headers({ "ratelimit": "r=3;t=5" }), now: 0 });
  assert.equal(limiter.report().quotas[0]!.budget, 1);
  // The third's answer says 1 remains; the second may still not be counted.
  limiter.observe(g[2]!, { status: 200, headers: new Headers({ "ratelimit": "r=1;t=5" }), now: 1 });
  assert.equal(limiter.report().quotas[0]!.budget, 0);
  // A late answer to an older request only tightens: it cannot give back.
  limiter.observe(g[1]!, { status: 200, headers: new Headers({ "ratelimit": "r=2;t=5" }), now: 2 });
  assert.equal(limiter.report().quotas[0]!.budget, 0);
  const { times, done } = acquireAll(limiter, clock, 1);
  await clock.tick(4_999);
  assert.equal(times.length, 0);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [5000]);
});

Deno.test("RateLimiter paces from each header family", async () => {
  const families: Record<string, Record<string, string>> = {
    ietf: { "ratelimit-policy": '"default";q=2;w=1', "ratelimit": '"default";r=1;t=1' },
    legacy: { "ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1" },
    x: { "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "1" },
    "x epoch": {
      "x-ratelimit-limit": "2",
      "x-ratelimit-remaining": "1",
      "x-ratelimit-reset": String(1_700_000_001),
    },
  };
  for (const [family, headers] of Object.entries(families)) {
    const clock = new FakeClock(1_700_000_000_000);
    const start = clock.now();
    const limiter = new RateLimiter({ clock });
    const g = await limiter.acquire();
    limiter.observe(g, { status: 200, headers: new Headers(headers), now: start });
    // Each request is answered at once (without headers): only the quota paces.
    const times: number[] = [];
    const done = Promise.all([1, 2, 3].map(async () => {
      const grant = await limiter.acquire();
      times.push(clock.now() - start);
      limiter.observe(grant, { status: 200, headers: undefined, now: clock.now() });
    }));
    await clock.tick(2000);
    await done;
    // 1 remained, then the full quota of 2 after the reset.
    assert.deepEqual(times, [0, 1000, 1000], family);
  }
});

Deno.test("RateLimiter ignores malformed RateLimit headers", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock });
  const g = await limiter.acquire();
  limiter.observe(g, {
    status: 200,
    headers: new Headers({ "ratelimit": "r=;t=x", "x-ratelimit-remaining": "lots" }),
    now: 0,
  });
  assert.deepEqual(limiter.report().quotas, []);
  const { times, done } = acquireAll(limiter, clock, 3);
  await done;
  assert.deepEqual(times, [0, 0, 0]);
});

Deno.test("RateLimiter with learnFirst sends one request until the first answer", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, serverQuota: { learnFirst: true } });
  const { times, grants, done } = acquireAll(limiter, clock, 3);
  await clock.tick(10);
  assert.deepEqual(times, [0]);
  limiter.observe(grants[0]!, {
    status: 200,
    headers: new Headers({ "ratelimit": "r=1;t=1" }),
    now: clock.now(),
  });
  await clock.tick(0);
  assert.deepEqual(times, [0, 10]);
  await clock.tick(1000);
  await done;
  assert.deepEqual(times, [0, 10, 1010]);
  // A first request that is never sent (template error) does not hold the others.
  const other = new RateLimiter({ clock, serverQuota: { learnFirst: true } });
  const a = await other.acquire();
  const b = other.acquire();
  other.forget(a);
  assert.equal(await b, 2);
  // Nor does one that never gets an answer, past the timeout.
  const slow = new RateLimiter({
    clock,
    serverQuota: { learnFirst: true, firstAnswerTimeoutMs: 500 },
  });
  await slow.acquire();
  const late = acquireAll(slow, clock, 1);
  await clock.tick(500);
  await late.done;
  assert.equal(late.times.length, 1);
});

Deno.test("RateLimiter opens its circuit breaker, then lets exactly one probe through", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, breaker: { threshold: 3, cooldownMs: 1000 } });
  const failed = (grant: number, status: number | undefined) =>
    limiter.observe(grant, { status, headers: undefined, now: clock.now() });
  const g = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
  failed(g[0]!, 500);
  failed(g[1]!, undefined); // network error
  failed(g[2]!, 502);
  assert.equal(limiter.report().breaker?.state, "open");
  const { times, grants, done } = acquireAll(limiter, clock, 3);
  await clock.tick(999);
  assert.equal(times.length, 0);
  await clock.tick(1);
  assert.deepEqual(times, [1000]); // the probe, alone
  await clock.tick(5000);
  assert.equal(times.length, 1);
  failed(grants[0]!, 504); // the probe failed: open again, twice as long
  await clock.tick(1999);
  assert.equal(times.length, 1);
  await clock.tick(1);
  assert.equal(times.length, 2);
  limiter.observe(grants[1]!, { status: 200, headers: undefined, now: clock.now() });
  await clock.tick(0);
  await done;
  assert.deepEqual(times, [1000, 8000, 8000]);
  assert.equal(limiter.report().breaker?.state, "closed");
  assert.equal(limiter.report().breaker?.opened, 2);
});

Deno.test("RateLimiter: a success between failures keeps the circuit closed", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, breaker: { threshold: 2 } });
  for (const status of [500, 200, 502, 404, 504]) {
    limiter.observe(await limiter.acquire(), { status, headers: undefined, now: 0 });
  }
  assert.equal(limiter.report().breaker?.state, "closed");
});

Deno.test("RateLimiter with adaptive rate paces at the discovered rate", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, adaptive: { initialRate: 4 } });
  assert.deepEqual(limiter.windows, [{ limit: 4, periodMs: 1000 }]);
  const { times, grants, done } = acquireAll(limiter, clock, 12);
  await clock.tick(1000);
  assert.deepEqual(times, [0, 250, 500, 750, 1000]);
  for (const g of grants) limiter.observe(g, { status: 200, headers: undefined, now: 1000 });
  await clock.tick(1000);
  for (const g of grants) limiter.observe(g, { status: 200, headers: undefined, now: 2000 });
  // Two full, clean seconds: slow start doubles the rate.
  assert.equal(limiter.report().adaptive?.rate, 8);
  assert.deepEqual(limiter.windows, [{ limit: 8, periodMs: 1000 }]);
  await clock.tick(500);
  await done;
  assert.deepEqual(times.slice(8), [2000, 2250, 2375, 2500]);
});
