/**
 * A dead API with the default flags: every item fails in a bounded time, the
 * bound the README states, measured on a fake clock (no real waiting).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../lib/util/clock.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { drive, itemRows, setup } from "./_run_job_fixtures.ts";

/**
 * Leases outlast the fake clock's leaps: the heartbeat that renews them runs on
 * real time, and a lease lapsed in fake time would send an item again.
 */
const LEASE_MS = 24 * 3_600_000;

/** A fetch answering every request `status` at once, with no Retry-After; counts them. */
function deadApi(status: number) {
  const sent: number[] = [];
  const clock = new FakeClock(Date.parse("2025-03-01T12:00:00Z"));
  const fetch: typeof globalThis.fetch = () => {
    sent.push(clock.now());
    return Promise.resolve(new Response("down", { status }));
  };
  return { clock, fetch, sent };
}

/** The README's bound: the cooldowns' ceilings, 1 s doubling to 10 s, for each answer but the last. */
function cooldownBoundMs(answers: number): number {
  let total = 0;
  for (let k = 1; k < answers; k++) total += Math.min(10_000, 1000 * 2 ** (k - 1));
  return total;
}

for (const items of [1, 5, 20]) {
  Deno.test(
    `a dead API of 503s without Retry-After fails ${items} items in ${
      cooldownBoundMs(5 * items) / 1000
    } s at most, by --max-attempts`,
    async () => {
      const api = deadApi(503);
      const ids = Array.from({ length: items }, (_, i) => `q${i}`);
      const { store, job, template, db } = await setup(ids);
      try {
        const started = api.clock.now();
        const summary = await drive(
          api.clock,
          runJob(store, job, template, { clock: api.clock, fetch: api.fetch, leaseMs: LEASE_MS }),
        );
        const took = api.clock.now() - started;
        assert.equal(summary.counts.failed, items);
        assert.equal(api.sent.length, 5 * items, "5 attempts each");
        assert.ok(took <= cooldownBoundMs(5 * items), `${took} ms`);
        for (const row of await itemRows(db)) {
          assert.equal(row.last_error, "http 503 (after 5 attempts)");
          assert.doesNotMatch(String(row.last_error), /Retry-After/);
        }
        // A success never came: every answer but the first came after a cooldown, none at once.
        assert.equal(summary.stats.unavailable, 5 * items);
        assert.equal(summary.stats.throttled, 0);
        assert.equal(summary.limiter.cooldowns?.count, 5 * items);
      } finally {
        store.close();
      }
    },
  );
}

Deno.test("a dead API of 429s without Retry-After fails an item after --max-throttled, within the bound", async () => {
  const api = deadApi(429);
  const { store, job, template, db } = await setup(["a", "b"]);
  try {
    const started = api.clock.now();
    const summary = await drive(
      api.clock,
      runJob(store, job, template, { clock: api.clock, fetch: api.fetch, leaseMs: LEASE_MS }),
    );
    assert.equal(summary.counts.failed, 2);
    assert.equal(api.sent.length, 2 * 50);
    assert.ok(api.clock.now() - started <= cooldownBoundMs(2 * 50));
    const rows = await itemRows(db);
    assert.deepEqual(rows.map((r) => r.last_error), [
      "http 429 (throttled 50 times)",
      "http 429 (throttled 50 times)",
    ]);
  } finally {
    store.close();
  }
});

Deno.test("a dead API of 500s opens the breaker, probing every 10 s doubling to 30 s: within the bound", async () => {
  const api = deadApi(500);
  const ids = ["a", "b", "c", "d", "e"];
  const { store, job, template } = await setup(ids);
  try {
    const started = api.clock.now();
    const summary = await drive(
      api.clock,
      runJob(store, job, template, { clock: api.clock, fetch: api.fetch, leaseMs: LEASE_MS }),
    );
    assert.equal(summary.counts.failed, 5);
    // 10 failures at 10/s open it; each of the other 15 answers is a probe after 10, 20, then 30 s.
    const bound = 900 + 10_000 + 20_000 + 13 * 30_000;
    assert.ok(api.clock.now() - started <= bound, `${api.clock.now() - started} ms`);
    assert.ok(summary.limiter.breaker!.opened >= 10);
  } finally {
    store.close();
  }
});
