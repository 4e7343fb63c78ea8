import assert from "node:assert/strict";
import { cooldownText, describeCooldown, JobCooldown } from "../../lib/rate/job_cooldown.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { FakeClock } from "../../lib/util/clock.ts";

/** The ceiling of each cooldown: jitter draws its top. */
const TOP = () => 1 - Number.EPSILON;

Deno.test("JobCooldown doubles its cooldown with each 429 or 503 without Retry-After, up to the cap", () => {
  const cooldown = new JobCooldown({ random: TOP });
  const delays: number[] = [];
  let now = 0;
  for (const status of [503, 503, 429, 503, 503, 503, 503]) {
    cooldown.onAnswer(status, undefined, now);
    delays.push(Math.round(cooldown.until - now));
    now = cooldown.until;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  assert.equal(cooldown.consecutive, 7);
  assert.deepEqual(cooldown.cause, { kind: "backoff", statuses: { "429": 1, "503": 6 } });
});

Deno.test("JobCooldown jitters each cooldown between half its ceiling and the ceiling", () => {
  const low = new JobCooldown({ random: () => 0 });
  low.onAnswer(503, undefined, 0);
  low.onAnswer(503, undefined, 500);
  assert.equal(low.until, 500 + 1000); // half of 2 s
  const values = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const c = new JobCooldown();
    c.onAnswer(429, undefined, 0);
    assert.ok(c.until >= 500 && c.until <= 1000, String(c.until));
    values.add(c.until);
  }
  assert.ok(values.size > 1, "jittered");
});

Deno.test("JobCooldown: a success resets the run; other failures neither count nor reset", () => {
  const cooldown = new JobCooldown({ random: TOP });
  cooldown.onAnswer(503, undefined, 0);
  cooldown.onAnswer(503, undefined, 1000);
  for (const status of [500, 404, undefined]) cooldown.onAnswer(status, undefined, 3000);
  assert.equal(cooldown.consecutive, 2);
  cooldown.onAnswer(503, undefined, 3000);
  assert.equal(Math.round(cooldown.until), 7000); // the third in a row: 4 s
  cooldown.onAnswer(204, undefined, 7000);
  assert.equal(cooldown.consecutive, 0);
  cooldown.onAnswer(429, undefined, 7000);
  assert.equal(Math.round(cooldown.until), 8000); // the first again: 1 s
  assert.deepEqual(cooldown.cause, { kind: "backoff", statuses: { "429": 1 } });
});

Deno.test("JobCooldown waits a Retry-After as said, without counting it in the backoff's run", () => {
  const cooldown = new JobCooldown({ random: TOP });
  cooldown.onAnswer(503, 30_000, 0);
  assert.equal(cooldown.until, 30_000);
  assert.deepEqual(cooldown.cause, { kind: "retry-after", status: 503 });
  assert.equal(cooldown.consecutive, 0);
  // A shorter one never shortens it.
  assert.equal(cooldown.onAnswer(429, 5_000, 1_000), false);
  assert.equal(cooldown.until, 30_000);
});

Deno.test("JobCooldown.report() counts cooldowns, their time with overlaps once, the longest", () => {
  const cooldown = new JobCooldown({ random: TOP });
  cooldown.onAnswer(429, 2_000, 0); // 0..2 s
  cooldown.onAnswer(429, 3_000, 1_000); // extends to 4 s: the same cooldown
  cooldown.extend(12_000, { kind: "joining" }, 10_000); // 10..12 s
  assert.deepEqual(cooldown.report(), {
    count: 2,
    totalMs: 6_000,
    longestMs: 4_000,
    byCause: { "retry-after": 1, joining: 1 },
  });
  // Read while one is in force: counted up to now.
  cooldown.extend(30_000, { kind: "asked" }, 20_000);
  assert.deepEqual(cooldown.report(25_000), {
    count: 3,
    totalMs: 11_000,
    longestMs: 5_000,
    byCause: { "retry-after": 1, joining: 1, asked: 1 },
  });
});

Deno.test("JobCooldown validates its options", () => {
  assert.throws(() => new JobCooldown({ baseMs: 5_000, capMs: 1_000 }), RangeError);
  assert.throws(() => new JobCooldown({ baseMs: -1 }), /Cannot use cooldown base and cap/);
});

Deno.test("cooldownText() names the cause as it is: never Retry-After when none was sent", () => {
  const backoff = { kind: "backoff" as const, statuses: { "503": 12 } };
  assert.equal(
    cooldownText({ until: 8_000, cause: backoff }, 0),
    "cooling down 8s after 12 × 503 (no wait time given)",
  );
  assert.doesNotMatch(cooldownText({ until: 8_000, cause: backoff }, 0)!, /Retry-After/);
  assert.equal(
    cooldownText({ until: 3_000, cause: { kind: "worker", text: "breaker open" } }, 0),
    "cooling down 3s (another worker's: breaker open)",
  );
  assert.equal(describeCooldown({ kind: "asked" }), "asked for");
});

Deno.test("RateLimiter cools the job down after 503s without Retry-After, longer each time", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, cooldown: { random: TOP } });
  const sentAt: number[] = [];
  for (let i = 0; i < 4; i++) {
    const granting = limiter.acquire();
    while (clock.sleepers > 0) await clock.next();
    await granting;
    sentAt.push(clock.now());
    limiter.observe(i, { status: 503, headers: undefined, now: clock.now() });
  }
  assert.deepEqual(sentAt.map((t) => Math.round(t)), [0, 1000, 3000, 7000]);
  assert.equal(limiter.cooldown.cause.kind, "backoff");
  assert.equal(limiter.report().cooldowns?.count, 4);
});

Deno.test("RateLimiter: 429s and 503s cool the job down and never open the circuit breaker", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ clock, breaker: { threshold: 2, cooldownMs: 60_000 } });
  for (const status of [503, 429, 503, 429, 503]) {
    limiter.observe(await limiter.acquire(), { status, headers: undefined, now: clock.now() });
    await clock.tick(limiter.cooldownUntil - clock.now());
  }
  assert.equal(limiter.report().breaker?.state, "closed");
  assert.equal(limiter.report().breaker?.opened, 0);
  // Nor do they close it: a 503 to the probe of an open breaker lets another probe go.
  for (const status of [500, 502]) {
    limiter.observe(await limiter.acquire(), { status, headers: undefined, now: clock.now() });
  }
  assert.equal(limiter.report().breaker?.state, "open");
  await clock.tick(60_000);
  const probe = await limiter.acquire();
  limiter.observe(probe, { status: 503, headers: undefined, now: clock.now() });
  assert.equal(limiter.report().breaker?.state, "half-open");
  await clock.tick(limiter.cooldownUntil - clock.now());
  const next = limiter.acquire();
  await clock.tick(0);
  assert.equal(await next, probe + 1, "another probe went");
});
