import assert from "node:assert/strict";
import { openStore, type Store } from "../../lib/store/store.ts";
import { LeaseKeeper } from "../../lib/run/lease_keeper.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { FakeClock } from "../../lib/util/clock.ts";

/** A wait that ends only when stopped: the keeper beats when the test says, not on a timer. */
function manualHeartbeat(_ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** A worker of the job in this process: its own limiter, heartbeat by hand. */
function worker(store: Store, jobId: number, clock: FakeClock, pid: number, dead: Set<number>) {
  const limiter = new RateLimiter({
    windows: [{ limit: 90, periodMs: 1000 }],
    clock,
    breaker: { threshold: 3, cooldownMs: 10_000 },
  });
  const keeper = new LeaseKeeper(store, jobId, {
    // Time from the fake clock; heartbeats only when a test calls beat(): its waits never end.
    clock: { now: () => clock.now(), sleep: manualHeartbeat },
    host: "h",
    pid,
    limiter,
    livenessLock: false,
    isAlive: (w) => !dead.has(w.pid),
  });
  return { limiter, keeper };
}

async function setup() {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
  return { store, jobId: job.id, clock: new FakeClock(1_000_000), dead: new Set<number>() };
}

/** Grants `limiter` hands out in `ms` of fake time, asking all the time. */
async function grantsIn(limiter: RateLimiter, clock: FakeClock, ms: number): Promise<number> {
  const before = limiter.granted;
  const stop = new AbortController();
  const asking = (async () => {
    while (!stop.signal.aborted) await limiter.acquire(stop.signal).catch(() => {});
  })();
  for (let t = 0; t < ms; t += 10) await clock.tick(10);
  stop.abort();
  await asking;
  return limiter.granted - before;
}

Deno.test("LeaseKeeper.beat() splits the job's rate among live workers and re-splits when one joins or dies", async () => {
  const { store, jobId, clock, dead } = await setup();
  try {
    const a = worker(store, jobId, clock, 1, dead);
    await a.keeper.beat();
    assert.equal(a.keeper.share, 1);
    assert.deepEqual(a.limiter.windows, [{ limit: 90, periodMs: 1000 }]);

    const b = worker(store, jobId, clock, 2, dead);
    const c = worker(store, jobId, clock, 3, dead);
    await b.keeper.beat();
    await c.keeper.beat();
    // Each takes its third at its next heartbeat.
    await a.keeper.beat();
    await b.keeper.beat();
    for (const w of [a, b, c]) assert.equal(w.limiter.windows[0]!.limit, 30);
    assert.deepEqual(
      Object.values(await store.workers.rateShares(jobId)).map((s) => s.toFixed(3)),
      ["0.333", "0.333", "0.333"],
    );

    // Worker 3 is killed: its lock is free, so the next heartbeat of the others re-splits.
    dead.add(3);
    await clock.tick(1000);
    await a.keeper.beat();
    await b.keeper.beat();
    assert.equal(a.limiter.windows[0]!.limit, 45);
    assert.equal(b.limiter.windows[0]!.limit, 45);
    assert.deepEqual((await store.workers.list(jobId)).map((w) => w.pid).sort(), [1, 2]);
  } finally {
    store.close();
  }
});

Deno.test("LeaseKeeper.beat() leaves a worker whose heartbeat stopped out of the split after 2.5 heartbeats", async () => {
  const { store, jobId, clock, dead } = await setup();
  try {
    const a = worker(store, jobId, clock, 1, dead);
    // Another host: its lock cannot be looked at, only its heartbeat.
    await store.workers.heartbeat({ id: "far", jobId, host: "other", pid: 9 }, clock.now());
    await a.keeper.beat();
    assert.equal(a.keeper.share, 0.5);
    await clock.tick(2_400);
    await a.keeper.beat();
    assert.equal(a.keeper.share, 0.5);
    await clock.tick(200);
    await a.keeper.beat();
    assert.equal(a.keeper.share, 1);
  } finally {
    store.close();
  }
});

Deno.test("RateLimiter.setShare() paces each of three workers at a third of the rate", async () => {
  const clock = new FakeClock();
  const limiter = new RateLimiter({ windows: [{ limit: 90, periodMs: 1000 }], clock });
  limiter.setShare(1 / 3);
  assert.equal(await grantsIn(limiter, clock, 10_000), 300);
  limiter.setShare(1 / 2);
  // The sliding window carries the last second's 30 over; then 45/s.
  const next = await grantsIn(limiter, clock, 10_000);
  assert.ok(next >= 440 && next <= 451, `${next}`);
  assert.throws(() => limiter.setShare(0), RangeError);
});

Deno.test("RateLimiter.setShare() scales --rate auto's discovered rate", () => {
  const limiter = new RateLimiter({ adaptive: { initialRate: 60 }, clock: new FakeClock() });
  assert.equal(limiter.windows[0]!.limit, 60);
  limiter.setShare(0.25);
  assert.equal(limiter.windows[0]!.limit, 15);
  assert.equal(limiter.report().adaptive?.rate, 60);
});

Deno.test("RateLimiter.setShare() takes only its share of a server's advertised quota per window", async () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ clock });
  limiter.setShare(1 / 4);
  const grant = await limiter.acquire();
  limiter.observe(grant, {
    status: 200,
    headers: new Headers({ "ratelimit": '"q";r=99;t=1', "ratelimit-policy": '"q";q=100;w=1' }),
    now: 0,
  });
  // A quarter of 100 per one-second window: at most 25 in this window (the first went
  // before the quota was known), spread over it, not all at once.
  assert.equal(await grantsIn(limiter, clock, 10), 1, "spread, not a burst");
  const inWindow = 1 + (await grantsIn(limiter, clock, 980));
  assert.ok(inWindow >= 20 && inWindow <= 25, `${inWindow} granted in the first window`);
});

Deno.test("LeaseKeeper.beat() shares one worker's Retry-After cooldown and open breaker with every worker", async () => {
  const { store, jobId, clock, dead } = await setup();
  try {
    const a = worker(store, jobId, clock, 1, dead);
    const b = worker(store, jobId, clock, 2, dead);
    await a.keeper.beat();
    await b.keeper.beat();
    const now = clock.now();
    a.limiter.coolDown(now + 30_000, { kind: "retry-after", status: 429 });
    await a.keeper.beat();
    assert.equal(b.limiter.cooldownUntil, 0);
    await b.keeper.beat();
    assert.equal(b.limiter.cooldownUntil, now + 30_000);
    assert.deepEqual(b.limiter.cooldown.cause, { kind: "worker", text: "Retry-After of a 429" });

    // Three failures in a row open a's breaker: b holds back while it is open.
    await clock.tick(40_000);
    for (let i = 0; i < 3; i++) {
      const granting = a.limiter.acquire();
      await clock.tick(100);
      const g = await granting;
      a.limiter.observe(g, { status: 500, headers: undefined, now: clock.now() });
    }
    assert.equal(a.limiter.report().breaker?.state, "open");
    await a.keeper.beat();
    await b.keeper.beat();
    assert.ok(b.limiter.cooldownUntil > clock.now());
    // b says why it holds back; a's own breaker does not come back to it as a cooldown.
    assert.deepEqual(b.limiter.cooldown.cause, { kind: "worker", text: "breaker open" });
    await a.keeper.beat();
    assert.ok(a.limiter.cooldownUntil <= clock.now(), "a's breaker is not a cooldown of a's");
  } finally {
    store.close();
  }
});

Deno.test("LeaseKeeper.start() joining a job others work on waits two heartbeats, and keeps that pause to itself", async () => {
  const { store, jobId, clock, dead } = await setup();
  try {
    const a = worker(store, jobId, clock, 1, dead);
    await a.keeper.start();
    assert.equal(a.limiter.cooldownUntil, 0, "alone: no pause");
    const b = worker(store, jobId, clock, 2, dead);
    await b.keeper.start();
    assert.equal(b.limiter.cooldownUntil, clock.now() + 2_000);
    await b.keeper.beat();
    await a.keeper.beat();
    assert.equal(a.limiter.cooldownUntil, 0, "the joining worker's pause is not the job's");
    assert.equal((await store.workers.shareCooldown(jobId, 0)).until, 0);
    await b.keeper.stop();
    await a.keeper.stop();
  } finally {
    store.close();
  }
});

Deno.test("LeaseKeeper.beat() joining holds until every other worker made room, then one window after its record", async () => {
  const { store, jobId, clock, dead } = await setup();
  try {
    const a = worker(store, jobId, clock, 1, dead);
    await a.keeper.start();
    const b = worker(store, jobId, clock, 2, dead);
    await b.keeper.start();
    // a has not beaten since b came: it still records the whole rate, so b holds on.
    await clock.tick(2_500);
    await b.keeper.beat();
    assert.equal(b.limiter.cooldownUntil, clock.now() + 2_000);
    await clock.tick(2_500);
    await a.keeper.beat();
    const madeRoom = clock.now();
    assert.equal(a.limiter.windows[0]!.limit, 45);
    await clock.tick(300);
    await b.keeper.beat();
    // a's grants at the whole rate leave the one-second window a second after its record.
    assert.equal(b.limiter.cooldownUntil, madeRoom + 1_000);
    await clock.tick(5_000);
    await b.keeper.beat();
    assert.equal(b.limiter.cooldownUntil, madeRoom + 1_000, "no pause once joined");
    assert.equal(a.limiter.cooldownUntil, 0);
    await b.keeper.stop();
    await a.keeper.stop();
  } finally {
    store.close();
  }
});
