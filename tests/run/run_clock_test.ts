/**
 * A run's time is its clock's: the per-attempt timeout, the grace period
 * after a stop, the lease keeper's heartbeat and every row's time go
 * through the injected Clock (a FakeClock here, at a date long past).
 */
import assert from "node:assert/strict";
import { LeaseKeeper } from "../../lib/run/lease_keeper.ts";
import { RunControl } from "../../lib/run/run_control.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { openStore } from "../../lib/store/store.ts";
import { FakeClock, systemClock } from "../../lib/util/clock.ts";
import { planRun } from "../../lib/run/run_plan.ts";
import { drive, FAST, itemRows, setup } from "./_run_job_fixtures.ts";

const PAST = Date.parse("2001-02-03T04:05:06Z");

/** A fetch that never answers: it ends only when its signal aborts. */
const hang: typeof fetch = (_input, init) =>
  new Promise((_, reject) => {
    init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
  });

Deno.test("RunControl times the grace period on its clock", async () => {
  const clock = new FakeClock(PAST);
  const control = new RunControl({ graceMs: 10_000, clock });
  control.requestStop();
  await clock.tick(9_999);
  assert.equal(control.signal.aborted, false);
  await clock.tick(1);
  assert.equal(control.signal.aborted, true);
  control.dispose();
});

Deno.test("LeaseKeeper beats on its clock", async () => {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
  const clock = new FakeClock(PAST);
  const keeper = new LeaseKeeper(store, job.id, { clock, livenessLock: false, heartbeatMs: 1_000 });
  await keeper.start();
  await clock.tick(1_000);
  // The beat writes through the store: let it land.
  for (let i = 0; i < 100 && (await store.workers.list(job.id))[0]!.heartbeat < PAST + 1_000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal((await store.workers.list(job.id))[0]!.heartbeat, PAST + 1_000);
  await keeper.stop();
  store.close();
});

Deno.test("runJob() times out attempts and stamps rows on its clock", async () => {
  const { store, job, template, db } = await setup(["a"]);
  const clock = new FakeClock(PAST);
  const summary = await drive(
    clock,
    runJob(store, job, template, { ...FAST, clock, fetch: hang, timeoutMs: 1_000, maxAttempts: 1 }),
  );
  assert.equal(summary.counts.failed, 1);
  const [item] = await itemRows(db);
  assert.match(String(item!.last_error), /^timeout/);
  // Written at the clock's time, not the machine's.
  const updated = Number((await db.rows("SELECT updated FROM items"))[0]!.updated);
  assert.ok(updated >= PAST + 1_000 && updated < PAST + 60_000, String(updated));
  store.close();
});

Deno.test("a run on the system clock times its attempts on a monotonic clock: a wall-clock jump fires no timeout", async () => {
  const { deadlines } = planRun({ clock: systemClock }).http;
  const wallClock = Date.now;
  const limit = deadlines(2_000); // swept every 100 ms
  try {
    const jumped = wallClock() + 3_600_000;
    Date.now = () => jumped; // the system's time set an hour ahead
    // Real time for three sweeps; each would see the jumped time if it read the wall clock.
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(limit.timedOut, false);
  } finally {
    Date.now = wallClock;
    limit.release();
  }
});

Deno.test("runJob() times its processor on its clock", async () => {
  const { store, job, template, db } = await setup(["a"]);
  const clock = new FakeClock(PAST);
  const summary = await drive(
    clock,
    runJob(store, job, template, {
      ...FAST,
      clock,
      fetch: () => Promise.resolve(Response.json({ ok: true })),
      processorTimeoutMs: 60_000,
      processor: {
        tables: { seen: { columns: { key: "TEXT" }, key: ["key"] } },
        process: () => new Promise(() => {}),
      },
    }),
  );
  assert.equal(summary.counts.failed, 1);
  const [item] = await itemRows(db);
  assert.equal(item!.last_error, "process: timed out");
  // Timed out at the clock's minute; a real minute's wait would have let the heartbeats drive it far on.
  assert.ok(clock.now() - PAST < 120_000, `${clock.now() - PAST} ms`);
  store.close();
});
