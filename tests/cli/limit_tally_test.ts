import assert from "node:assert/strict";
import { limitNow, LimitTally } from "../../cli/limit_tally.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { FakeClock } from "../../lib/util/clock.ts";

/** A limiter at 20/s that has heard the server advertise 10 per second. */
async function limiterWithQuota(clock: FakeClock): Promise<RateLimiter> {
  const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }], clock });
  const grant = await limiter.acquire();
  limiter.observe(grant, {
    status: 200,
    headers: new Headers({
      "ratelimit-policy": '"default";q=10;w=1',
      "ratelimit": '"default";r=9;t=1',
    }),
    now: clock.now(),
  });
  return limiter;
}

Deno.test("limitNow() says what holds the pace: --rate, the server's quota, Retry-After, a pause", async () => {
  const clock = new FakeClock(0);
  assert.equal(
    limitNow(new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }], clock }), 0),
    "limit 20/s (--rate 20/s)",
  );
  assert.equal(limitNow(new RateLimiter({ clock }), 0), "no limit");
  const limiter = await limiterWithQuota(clock);
  assert.match(limitNow(limiter, 0), /^limit \d+\/s \(server quota "default"\)$/);
  limiter.coolDown(12_000, { kind: "retry-after", status: 429 });
  assert.equal(limitNow(limiter, 0), "cooling down 12s (Retry-After of a 429)");
  limiter.hold(true);
  assert.equal(limitNow(limiter, 0), "paused");
});

Deno.test("limitNow() says how long an open breaker holds the pace, and when it probes", async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, breaker: { threshold: 1, cooldownMs: 8000 } });
  const grant = await limiter.acquire();
  limiter.observe(grant, { status: 500, headers: undefined, now: 0 });
  assert.equal(limitNow(limiter, 2000), "breaker open, next probe in 6s");
  await clock.tick(8000);
  await limiter.acquire(); // the probe
  assert.equal(limitNow(limiter, 8000), "breaker open, probing with one request");
});

Deno.test("limitNow() names a cooldown's cause as it is: 503s without Retry-After", async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, cooldown: { random: () => 0.6 } });
  for (let i = 0; i < 12; i++) {
    limiter.observe(await limiter.acquire(), { status: 503, headers: undefined, now: clock.now() });
    await clock.tick(limiter.cooldownUntil - clock.now());
  }
  limiter.observe(await limiter.acquire(), { status: 503, headers: undefined, now: clock.now() });
  const line = limitNow(limiter, clock.now());
  assert.equal(line, "cooling down 8s after 13 × 503 (no wait time given)");
  assert.doesNotMatch(line, /Retry-After/);
});

Deno.test("LimitTally sums up how long each limit held the pace, longest first", async () => {
  const clock = new FakeClock(0);
  const limiter = await limiterWithQuota(clock);
  const tally = new LimitTally(() => limiter, { clock });
  assert.equal(tally.summary(), undefined);
  tally.sample();
  await clock.tick(900);
  tally.sample();
  limiter.coolDown(1000, { kind: "retry-after", status: 429 });
  tally.sample();
  await clock.tick(100);
  limiter.hold(true);
  tally.sample();
  await clock.tick(100);
  tally.sample();
  assert.match(
    tally.summary()!,
    /^pace set by server quota "default" \(\d+\/s\) 82% of the time, Retry-After cooldowns 9%, paused 9%$/,
  );
});

Deno.test("LimitTally says so when nothing paced the run", async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, serverQuota: false });
  const tally = new LimitTally(() => limiter, { clock });
  tally.sample();
  await clock.tick(200);
  tally.sample();
  assert.equal(tally.now(), "no limit");
  assert.equal(tally.summary(), "no pacing");
});

Deno.test("LimitTally says nothing before the run has a limiter", () => {
  const tally = new LimitTally(() => undefined);
  tally.sample();
  assert.equal(tally.now(), undefined);
  assert.equal(tally.summary(), undefined);
});

Deno.test("limitNow() says a quota reset beyond --max-retry-after is capped, and for how long it waits", async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock, serverQuota: { maxResetMs: 300_000 } });
  const grant = await limiter.acquire();
  const week = 7 * 24 * 3600;
  limiter.observe(grant, {
    status: 200,
    headers: new Headers({
      "x-ratelimit-limit": "100",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(week),
    }),
    now: 0,
  });
  assert.equal(
    limitNow(limiter, 0),
    'server quota "default" used up until 168h00m from now; waiting 5m00s (--max-retry-after)',
  );
});
