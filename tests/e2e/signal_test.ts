/**
 * SIGINT / SIGTERM / SIGHUP through the CLI: exit 130, in-flight requests finish within
 * the grace period, the rest goes back to pending, the resume command is
 * printed and finishes the job; a second signal exits at once and loses
 * nothing committed. The mock holds its answers behind a gate, so the test
 * knows exactly which requests are in flight when it signals. The gate lets
 * the first answer through: the limiter waits for it to learn the server's
 * quota before it sends more.
 */
import assert from "node:assert/strict";
import {
  Gate,
  inFlightKeys,
  inspectDb,
  mockJob,
  sluice,
  SluiceProcess,
} from "../_sluice_process.ts";

const CONCURRENCY = 4;

/**
 * The resume command printed by a stopped run, as arguments for main.ts. Run
 * as `deno run main.ts` from the clone, sluice names the `deno task sluice`
 * line (see cli/launcher.ts).
 */
function resumeArgs(stderr: string): string[] {
  const match = /Resume with: deno task sluice (run .*)$/m.exec(stderr);
  assert.ok(match, `no resume command in:\n${stderr}`);
  return match[1]!.split(" ");
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.test(`${signal}: in-flight requests finish within the grace period, exit 130, resume completes`, async () => {
    const items = 120;
    const gate = new Gate({ closeAfter: 1 });
    await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "sig" });
    const run = new SluiceProcess([...t.args, "--grace", "5s"]);
    const { keys: inFlight, done } = await inFlightKeys(gate, t, CONCURRENCY, run);
    assert.equal(done, 1);
    run.kill(signal);
    await run.waitFor(/^sluice: stopping/);
    gate.open();
    const exit = await run.exited;

    assert.equal(exit.code, 130, exit.stderr);
    assert.equal(
      t.server.api.stats.requests,
      1 + CONCURRENCY,
      "a request was sent after the signal",
    );
    const after = await inspectDb(t.db);
    for (const key of inFlight) {
      assert.equal(after.byKey.get(key)?.status, "done", `${key} was in flight at the signal`);
    }
    assert.equal(after.count("done"), 1 + CONCURRENCY);
    assert.equal(after.count("pending"), items - 1 - CONCURRENCY, "the rest goes back to pending");
    assert.equal(after.count("inflight"), 0);
    assert.match(
      exit.stderr,
      /stopped; \d+ items left\. Resume with: deno task sluice run .* --job sig/,
    );

    const resumed = await sluice(resumeArgs(exit.stderr));
    assert.equal(resumed.code, 0, resumed.stderr);
    const end = await inspectDb(t.db);
    assert.equal(end.count("done"), items);
    assert.ok(end.items.every((i) => i.responses === 1), "one response row per item");
    // Nothing was sent twice: the in-flight requests finished before the exit.
    for (const [key, n] of t.server.api.keys) assert.equal(n, 1, `${key} sent ${n} times`);
    assert.equal(t.server.api.keys.size, items);
  });
}

Deno.test("SIGINT: after the grace period the in-flight items go back to pending, possibly sent", async () => {
  const items = 60;
  const gate = new Gate({ closeAfter: 1 });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "sig" });
  const run = new SluiceProcess([...t.args, "--grace", "300ms"]);
  const { keys: inFlight } = await inFlightKeys(gate, t, CONCURRENCY, run);
  run.kill("SIGINT");
  // The answers stay held: the grace period runs out and the requests are aborted.
  const exit = await run.exited;
  assert.equal(exit.code, 130, exit.stderr);
  const after = await inspectDb(t.db);
  assert.equal(after.count("pending"), items - 1);
  for (const key of inFlight) {
    assert.equal(after.byKey.get(key)?.possiblySent, 1, `${key} was aborted in flight`);
  }
  assert.equal(after.items.filter((i) => i.possiblySent > 0).length, CONCURRENCY);

  gate.open();
  const status = await sluice(["status", "--db", `file:${t.db}`]);
  assert.match(status.stdout, new RegExp(`${CONCURRENCY} possibly sent`));
  const resumed = await sluice(resumeArgs(exit.stderr));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await inspectDb(t.db)).count("done"), items);
  for (const key of inFlight) assert.equal(t.server.api.keys.get(key), 2);
});

Deno.test("SIGINT twice a few ms apart (one Ctrl-C a launcher forwards) stops gracefully, once", async () => {
  const items = 120;
  const gate = new Gate({ closeAfter: 1 });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "sig" });
  const run = new SluiceProcess([...t.args, "--grace", "5s"]);
  await inFlightKeys(gate, t, CONCURRENCY, run);
  run.kill("SIGINT");
  run.kill("SIGINT");
  await run.waitFor(/^sluice: stopping/);
  gate.open();
  const exit = await run.exited;
  assert.equal(exit.code, 130, exit.stderr);
  assert.doesNotMatch(exit.stderr, /stopped at once/);
  assert.equal(exit.stderr.match(/^sluice: stopping/gm)?.length, 1, exit.stderr);
  assert.match(exit.stderr, /^sluice: \d+\/120 done, 0 failed, \d+ pending in /m);
  assert.match(exit.stderr, /Resume with: deno task sluice run .* --job sig$/m);
  const after = await inspectDb(t.db);
  assert.equal(after.count("done"), 1 + CONCURRENCY, "the in-flight requests finished");
  assert.equal(after.count("inflight"), 0);
  assert.equal(after.items.filter((i) => i.possiblySent > 0).length, 0);
});

Deno.test("a second SIGINT a clear interval after the first stops at once with 130: in-flight requests abandoned and flagged, nothing committed lost", async () => {
  const items = 400;
  const answered = 40;
  const gate = new Gate({ closeAfter: answered });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "sig" });
  const run = new SluiceProcess([...t.args, "--grace", "30s"]);
  await inFlightKeys(gate, t, CONCURRENCY, run);
  const before = await inspectDb(t.db);
  const committed = before.items.filter((i) => i.status === "done").map((i) => i.key);
  assert.equal(committed.length, answered);

  run.kill("SIGINT");
  await run.waitFor(/^sluice: stopping/);
  // A second press, a clear interval after the first: closer ones are copies of the
  // first, forwarded by a launcher (tests/cli/stop_signals_test.ts).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  run.kill("SIGINT");
  const exit = await run.exited;
  assert.equal(exit.code, 130, exit.stderr);
  assert.match(exit.stderr, /stopping at once; requests in flight are abandoned/);
  // Not the grace period (30 s): the held requests were abandoned, and the run still
  // released what it claimed, printed its summary and the resume command.
  assert.match(exit.stderr, /^sluice: \d+\/400 done, 0 failed, \d+ pending in /m);
  assert.match(exit.stderr, /Resume with: /);
  const after = await inspectDb(t.db);
  for (const key of committed) assert.equal(after.byKey.get(key)?.status, "done");
  assert.equal(after.count("inflight"), 0, "claimed items went back to the queue");
  const flagged = after.items.filter((i) => i.possiblySent > 0).length;
  assert.ok(flagged >= 1 && flagged <= CONCURRENCY, `${flagged} flagged possibly sent`);

  gate.open();
  const resumed = await sluice([...t.args]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const end = await inspectDb(t.db);
  assert.equal(end.count("done"), items);
  assert.ok(end.items.every((i) => i.responses === 1), "one response row per item");
  for (const key of committed) assert.equal(t.server.api.keys.get(key), 1, `${key} re-sent`);
  const twice = [...t.server.api.keys].filter(([, n]) => n > 1).map(([key]) => key);
  assert.ok(twice.length <= CONCURRENCY, `${twice.length} keys sent twice`);
  for (const key of twice) assert.ok(end.byKey.get(key)!.possiblySent > 0, `${key} not flagged`);
});

Deno.test("SIGINT on a job read from standard input: the resume command works without it", async () => {
  const items = 30;
  const gate = new Gate({ closeAfter: 5 });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, job: "piped" });
  const args = ["run", "-", "--format", "jsonl", ...t.args.slice(2)];
  const run = new SluiceProcess(args, { stdin: true });
  const stdin = run.child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode(await Deno.readTextFile(t.queries)));
  await stdin.close();
  await inFlightKeys(gate, t, CONCURRENCY, run);
  run.kill("SIGINT");
  await run.waitFor(/^sluice: stopping/);
  gate.open();
  const exit = await run.exited;
  assert.equal(exit.code, 130, exit.stderr);
  const resume = resumeArgs(exit.stderr);
  assert.ok(!resume.includes("-"), resume.join(" "));
  const resumed = await sluice(resume);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await inspectDb(t.db)).count("done"), items);
});
