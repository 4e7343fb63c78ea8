/**
 * Three `sluice run` workers on one file database and one job, against the
 * mock API limited to 100 requests a second: the job's rate is one budget
 * they split. The rate check runs the 2,000 items (about 23 s at
 * 90/s), started together, and holds the combined accepted rate over the
 * whole run, from the first request at the mock to the last: the first
 * worker to register paces alone at the whole rate, each that joins holds
 * until the others have made room (their recorded shares) and one window
 * more, so a join costs about a second at half rate and nothing goes over.
 * It also holds the rate while all three work at a third each. The others
 * run 1,200 items to stay short.
 */
import assert from "node:assert/strict";
import { serveMockApi, type ServeMockOptions } from "../../lib/mock/mock_server.ts";
import { importJob, readJob, startWorkers, watchShares } from "./_workers.ts";

// Rate accuracy needs the CPU to itself: these run in `deno task test:timing`, after the
// parallel suite, where no other test file competes for the two cores.
const TIMING = { ignore: Deno.env.get("SLUICE_TIMING_TESTS") !== "1" };

async function withJob(
  items: number,
  mock: ServeMockOptions,
  body: (db: string, server: ReturnType<typeof serveMockApi>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-workers-" });
  const server = serveMockApi({ ...mock, port: 0, hostname: "127.0.0.1" });
  try {
    const db = `file:${dir}/w.db`;
    await importJob(db, server.port, items);
    await body(db, server);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertAllDoneOnce(db: string, items: number): Promise<void> {
  const job = await readJob(db);
  assert.deepEqual(job.byStatus, { done: items });
  assert.equal(job.doubled, 0);
  assert.equal(job.ok, items);
}

Deno.test(
  "three workers with --rate 90/s share it: at most 1% 429s, 80-94.5/s accepted, every item once",
  TIMING,
  async () => {
    await withJob(2_000, { rate: 100, headers: "none" }, async (db, server) => {
      const workers = startWorkers(3, db, ["--rate", "90/s"]);
      const watch = watchShares(db, 3, () => server.api.stats.byStatus["200"] ?? 0);
      const exits = await Promise.all(workers.map((w) => w.exited));
      const split = await watch.stop();
      for (const exit of exits) assert.equal(exit.code, 0, exit.stderr);
      await assertAllDoneOnce(db, 2_000);
      const s = server.api.stats;
      const ok = s.byStatus["200"] ?? 0;
      const overall = ok / ((s.lastAt! - s.firstAt!) / 1000);
      assert.equal(ok, 2_000, "every item answered 200 once at the server");
      assert.ok(s.throttled <= 0.01 * s.requests, `${s.throttled} of ${s.requests} answered 429`);
      assert.ok(split.seconds >= 5, `three workers shared the rate for ${split.seconds} s only`);
      const what = `combined accepted rate ${overall.toFixed(1)}/s from the first request to the` +
        ` last, ${split.rate.toFixed(1)}/s over ${split.seconds.toFixed(1)} s at a third each`;
      assert.ok(overall >= 80 && overall <= 94.5, what);
      assert.ok(split.rate >= 80 && split.rate <= 94.5, what);
    });
  },
);

// Zero 429s: each worker takes a third of what the server says is left and at most a
// third of the quota in any window, spread evenly; one that joins sends nothing, not
// even a first probe, until the others have made room (see lib/rate/rate_share.ts).
Deno.test(
  "three workers share the quota the server advertises: --rate 1000/s, no 429s",
  TIMING,
  async () => {
    await withJob(1_200, { rate: 100, headers: "ietf" }, async (db, server) => {
      const workers = startWorkers(3, db, ["--rate", "1000/s"]);
      const exits = await Promise.all(workers.map((w) => w.exited));
      for (const exit of exits) assert.equal(exit.code, 0, exit.stderr);
      await assertAllDoneOnce(db, 1_200);
      const { requests, throttled } = server.api.stats;
      assert.equal(throttled, 0, `${throttled} of ${requests} requests answered 429`);
    });
  },
);

Deno.test(
  "a worker killed with -9: the others re-split the rate within 3 s and finish its items",
  TIMING,
  async () => {
    await withJob(1_200, { rate: 100, headers: "none" }, async (db, server) => {
      const workers = startWorkers(3, db, ["--rate", "90/s"]);
      try {
        while (((await readJob(db)).byStatus.done ?? 0) < 300) await pause(100);
        const victim = workers[1]!;
        victim.child.kill("SIGKILL");
        const killedAt = Date.now();
        await victim.exited;
        const alive = [workers[0]!.child.pid, workers[2]!.child.pid].sort();
        let resplitMs: number | undefined;
        while (Date.now() - killedAt < 5_000) {
          const rows = (await readJob(db)).workers;
          const resplit = rows.length === 2 &&
            rows.every((w) => alive.includes(w.pid) && w.share === 0.5);
          if (resplit) {
            resplitMs = Date.now() - killedAt;
            break;
          }
          await pause(100);
        }
        assert.ok(resplitMs !== undefined && resplitMs <= 3_000, `re-split after ${resplitMs} ms`);
        const survivors = await Promise.all([workers[0]!.exited, workers[2]!.exited]);
        for (const exit of survivors) assert.equal(exit.code, 0, exit.stderr);
        // One of them took the killed worker's items back, and says they may have gone out twice.
        const told = survivors.map((e) =>
          /(\d+) items were in flight .*possibly sent twice/.exec(e.stderr)
        );
        assert.ok(
          told.some((m) => m && Number(m[1]) > 0),
          survivors.map((e) => e.stderr).join("\n"),
        );
        const job = await readJob(db);
        assert.deepEqual(job.byStatus, { done: 1_200 });
        assert.equal(job.doubled, 0);
        // Sent twice at most: what the killed worker had in flight or answered and not yet stored.
        const ok = server.api.stats.byStatus["200"] ?? 0;
        assert.ok(ok - 1_200 <= 64, `${ok - 1_200} items sent twice`);
      } finally {
        for (const w of workers) {
          try {
            w.child.kill("SIGKILL");
          } catch {
            // Already exited.
          }
          await w.exited;
        }
      }
    });
  },
);

/** A pause between polls of the database (the workers run in other processes). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
