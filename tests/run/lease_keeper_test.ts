/**
 * Telling a dead worker from a live one on the same machine without waiting
 * for leases to run out: each worker holds a lock file for as long as its
 * process lives (Deno allows a look at /proc only with --allow-all).
 */
import assert from "node:assert/strict";
import { LeaseKeeper } from "../../lib/run/lease_keeper.ts";
import { openStore } from "../../lib/store/store.ts";
import { Gate, inFlightKeys, inspectDb, mockJob, SluiceProcess } from "../_sluice_process.ts";

Deno.test("a live worker keeps its items; once killed, another takes them back at once", async () => {
  const gate = new Gate({ closeAfter: 1 });
  await using t = await mockJob(100, gate, { concurrency: 4 });
  const run = new SluiceProcess(t.args); // default lease: 60 s
  await inFlightKeys(gate, t, 4, run);
  const claimed = (await inspectDb(t.db)).count("inflight");
  assert.ok(claimed >= 4);

  const store = await openStore(`file:${t.db}`);
  try {
    const job = (await store.jobs.find("job"))!;
    // Alive: its heartbeat is fresh and its lock held, so nothing is taken.
    const peer = new LeaseKeeper(store, job.id, { leaseMs: 60_000 });
    assert.equal(await peer.start(), 0);
    assert.equal((await inspectDb(t.db)).count("inflight"), claimed);

    const [worker] = (await store.workers.list(job.id)).filter((w) => w.id !== peer.owner);
    const lockFile = `${Deno.env.get("TMPDIR") || "/tmp"}/sluice-worker-${
      worker!.id.replace(/[^A-Za-z0-9._-]/g, "_")
    }.lock`;
    assert.ok((await Deno.stat(lockFile)).isFile, "the running worker has no lock file");

    run.kill("SIGKILL");
    await run.exited;
    // Dead a moment ago, its heartbeat still fresh and its leases valid for a
    // minute: only the lock, dropped by the kernel, tells.
    assert.equal(await peer.recover(), claimed);
    const after = await inspectDb(t.db);
    assert.equal(after.count("inflight"), 0);
    assert.equal(after.items.filter((i) => i.possiblySent > 0).length, claimed);
    await assert.rejects(
      Deno.stat(lockFile),
      Deno.errors.NotFound,
      "the dead worker's lock file stays",
    );
    await peer.stop();
  } finally {
    store.close();
  }
});
