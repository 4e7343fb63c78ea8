/**
 * Closing the terminal sluice runs in: the kernel sends SIGHUP, a graceful
 * stop like SIGTERM, and every write to the terminal fails from then on (the
 * progress line, the stop message, the summary). The stop must still finish:
 * claimed items back in the queue, exit 130, and the same command resumes.
 * The answers stay held, so the requests in flight outlive the grace period
 * and are abandoned, flagged "possibly sent" (tests/e2e/signal_test.ts sends
 * SIGHUP alone and sees them finish within it).
 */
import assert from "node:assert/strict";
import { Gate, inspectDb, MAIN, mockJob, PERMISSIONS, sluice } from "../_sluice_process.ts";
import { Terminal } from "./_terminal.ts";

const CONCURRENCY = 4;

Deno.test("closing sluice's terminal stops it gracefully although its writes fail: nothing left in flight, 130, the resume completes", async () => {
  const items = 60;
  const gate = new Gate({ closeAfter: 1 });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "hup" });
  // On a terminal, sluice redraws its progress line every 250 ms.
  const args = [...t.args.filter((a) => a !== "--quiet"), "--grace", "1s"];
  const terminal = new Terminal(Deno.execPath(), ["run", ...PERMISSIONS, MAIN, ...args]);
  await gate.whenHeld(CONCURRENCY);
  const exit = await terminal.hangUp();

  assert.equal(exit.hungUp, true, exit.shown);
  assert.equal(exit.code, 130, exit.shown);
  assert.equal(t.server.api.stats.requests, 1 + CONCURRENCY, "a request was sent after SIGHUP");
  const after = await inspectDb(t.db);
  assert.equal(after.count("inflight"), 0, "claimed items went back to the queue");
  assert.equal(after.count("done"), 1);
  assert.equal(after.items.filter((i) => i.possiblySent > 0).length, CONCURRENCY);

  gate.open();
  const resumed = await sluice(t.args);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await inspectDb(t.db)).count("done"), items);
  assert.equal(t.server.api.keys.size, items);
});
