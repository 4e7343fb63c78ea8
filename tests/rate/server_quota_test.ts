import assert from "node:assert/strict";
import { ServerQuota } from "../../lib/rate/server_quota.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { FakeClock } from "../../lib/util/clock.ts";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const WEEK_S = 7 * 24 * 3600;

/** `X-RateLimit-Remaining: 0` until `resetS` Unix seconds. */
const usedUp = (resetS: number) =>
  new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetS) });

Deno.test("ServerQuota caps a reset a week away at maxResetMs, and says what it cut", () => {
  const quota = new ServerQuota({ maxResetMs: 60_000 });
  quota.record(1, NOW);
  const announced = Math.ceil(NOW / 1000) + WEEK_S;
  quota.observe(1, usedUp(announced), NOW);
  assert.equal(quota.allowedAt(NOW), NOW + 60_000);
  const [state] = quota.quotas;
  assert.deepEqual([state!.resetAt, state!.cappedFrom], [NOW + 60_000, announced * 1000]);
  // A later answer saying the same does not push the wait further.
  quota.record(2, NOW + 30_000);
  quota.observe(2, usedUp(announced), NOW + 30_000);
  assert.equal(quota.allowedAt(NOW + 30_000), NOW + 60_000);
  // Once the capped reset has passed, the quota is no longer in the way.
  assert.ok(quota.allowedAt(NOW + 60_000) <= NOW + 60_000);
});

Deno.test("ServerQuota honours a reset within maxResetMs as is, not marked capped", () => {
  const quota = new ServerQuota({ maxResetMs: 300_000 });
  quota.record(1, NOW);
  quota.observe(1, usedUp(Math.ceil(NOW / 1000) + 30), NOW);
  assert.equal(quota.allowedAt(NOW), NOW + 30_000);
  assert.equal(quota.quotas[0]!.cappedFrom, undefined);
});

Deno.test("ServerQuota caps at the default --max-retry-after (5 minutes) when given none", () => {
  const quota = new ServerQuota();
  quota.record(1, NOW);
  quota.observe(1, new Headers({ "ratelimit": `r=0;t=${WEEK_S}` }), NOW);
  assert.equal(quota.allowedAt(NOW), NOW + 300_000);
  assert.equal(quota.quotas[0]!.cappedFrom, NOW + WEEK_S * 1000);
});

Deno.test("RateLimiter grants again after the capped reset, not a week later", async () => {
  const clock = new FakeClock(NOW);
  const limiter = new RateLimiter({ clock, serverQuota: { maxResetMs: 2_000 } });
  const first = await limiter.acquire();
  limiter.observe(first, {
    status: 200,
    headers: usedUp(Math.ceil(NOW / 1000) + WEEK_S),
    now: clock.now(),
  });
  assert.ok(limiter.report().quotas[0]!.cappedFrom! > NOW + 1000 * WEEK_S - 2000);
  let granted: number | undefined;
  const second = limiter.acquire().then(() => granted = clock.now());
  await clock.tick(1_999);
  assert.equal(granted, undefined);
  await clock.tick(1);
  await second;
  assert.equal(granted, NOW + 2_000);
});

Deno.test("ServerQuota past a capped reset sends one probe per capped wait, not the full quota", () => {
  const quota = new ServerQuota({ maxResetMs: 60_000 });
  const daily = new Headers({
    "ratelimit-policy": '"day";q=1000;w=86400',
    "ratelimit": '"day";r=0;t=80000',
  });
  quota.record(1, NOW);
  quota.observe(1, daily, NOW);
  assert.equal(quota.allowedAt(NOW), NOW + 60_000);
  // The wait is over: one probe may go, and its grant uses the window up again.
  assert.ok(quota.allowedAt(NOW + 60_000) <= NOW + 60_000);
  quota.record(2, NOW + 60_000);
  assert.equal(quota.allowedAt(NOW + 60_000), NOW + 120_000);
  // The probe's answer: still used up, the server's reset a little nearer.
  quota.observe(
    2,
    new Headers({ ...Object.fromEntries(daily), ratelimit: '"day";r=0;t=79940' }),
    NOW + 60_100,
  );
  assert.equal(quota.allowedAt(NOW + 60_100), NOW + 120_000);
  // Once the server's quota has reset, its answer gives the budget back.
  assert.ok(quota.allowedAt(NOW + 120_000) <= NOW + 120_000);
  quota.record(3, NOW + 120_000);
  quota.observe(
    3,
    new Headers({ ...Object.fromEntries(daily), ratelimit: '"day";r=999;t=86400' }),
    NOW + 120_100,
  );
  assert.equal(quota.quotas[0]!.budget, 999);
  assert.equal(quota.quotas[0]!.cappedFrom, undefined);
});

Deno.test("ServerQuota keeps a far reset as is while the quota has room, and caps it once used up", () => {
  const quota = new ServerQuota({ maxResetMs: 60_000 });
  const day = (r: number) =>
    new Headers({
      "ratelimit-policy": '"day";q=1000;w=86400',
      "ratelimit": `"day";r=${r};t=80000`,
    });
  quota.record(1, NOW);
  quota.observe(1, day(2), NOW);
  assert.deepEqual([quota.quotas[0]!.budget, quota.quotas[0]!.cappedFrom], [2, undefined]);
  assert.ok(quota.allowedAt(NOW + 70_000) <= NOW + 70_000, "no roll to a probe after the cap");
  assert.equal(quota.quotas[0]!.budget, 2);
  quota.record(2, NOW + 70_000);
  quota.record(3, NOW + 70_000);
  quota.observe(2, day(1), NOW + 70_100);
  quota.observe(3, day(0), NOW + 70_200);
  // Used up from the answer to grant 2 on (grant 3 was out): the first cap holds.
  assert.equal(quota.allowedAt(NOW + 70_200), NOW + 70_100 + 60_000);
  assert.equal(quota.quotas[0]!.cappedFrom, NOW + 70_200 + 80_000_000);
});
