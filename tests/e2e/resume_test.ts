/**
 * Resuming a job through the CLI: an unchanged input is not imported again,
 * a changed one is refused (exit 2) unless `--append`, which adds only the
 * new queries; `status` counts by state and by class of last error, and
 * `retry --status` re-queues one class.
 */
import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { Gate, inspectDb, mockJob, readClient, sluice, writeQueries } from "../_sluice_process.ts";

Deno.test("an unchanged input resumes without re-import; a changed one needs --append", async () => {
  await using t = await mockJob(50, new Gate());
  const first = await sluice(t.args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /job "job": 50 items imported/);

  // Same path, size and modification time: the job resumes without reading the
  // file again. A line changed in place (same length, mtime put back) shows it.
  const info = await Deno.stat(t.queries);
  const text = await Deno.readTextFile(t.queries);
  await Deno.writeTextFile(t.queries, text.replace('"k0"', '"x0"'));
  await Deno.utime(t.queries, info.atime!, info.mtime!);
  const again = await sluice(t.args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /resuming job "job";/);
  assert.doesNotMatch(again.stderr, /imported|new items/);
  assert.equal((await inspectDb(t.db)).items.length, 50, "the input was imported again");
  assert.equal(t.server.api.stats.requests, 50, "a done item was sent again");

  // A changed input (10 more lines) is refused without --append: exit 2, nothing sent.
  await writeQueries(t.queries, 60);
  const refused = await sluice(t.args);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /Job "job" was imported from a different input .*; pass --append to add these queries to it, or --job NAME to start a new job/,
  );
  assert.equal((await inspectDb(t.db)).items.length, 50);
  assert.equal(t.server.api.stats.requests, 50);

  // --append adds the 10 new keys; the 50 already there are skipped, not sent again.
  const appended = await sluice([...t.args, "--append"]);
  assert.equal(appended.code, 0, appended.stderr);
  assert.match(appended.stderr, /resuming job "job" \(\+10 new items\)/);
  const state = await inspectDb(t.db);
  assert.equal(state.items.length, 60);
  assert.equal(state.count("done"), 60);
  assert.equal(t.server.api.stats.requests, 60);
  for (const [key, n] of t.server.api.keys) assert.equal(n, 1, `${key} sent ${n} times`);

  // The appended input is now the job's input: the next run just resumes.
  const last = await sluice(t.args);
  assert.equal(last.code, 0, last.stderr);
  assert.doesNotMatch(last.stderr, /imported|new items/);
  assert.equal(t.server.api.stats.requests, 60);
});

Deno.test("status counts by state and by class of last error; retry --status re-queues one class", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-status-" });
  // One request at a time, so the seeded faults land on the same items every run.
  const server = serveMockApi({ port: 0, record: true, failRate: 0.15, seed: 11 });
  try {
    const queries = `${dir}/queries.jsonl`;
    const lines = [];
    for (let i = 0; i < 40; i++) {
      lines.push(JSON.stringify({ id: `k${i}`, q: i % 8 === 0 ? "" : `q${i}` }));
    }
    await Deno.writeTextFile(queries, lines.join("\n") + "\n");
    const db = `file:${dir}/status.db`;
    const args = [
      "run",
      queries,
      "--db",
      db,
      "--url",
      `http://127.0.0.1:${server.port}/search`,
      "--body",
      '{"q":"{{q}}"}',
      "--rate",
      "none",
      "--concurrency",
      "1",
      "--max-attempts",
      "1",
      "--quiet",
    ];
    const run = await sluice(args);
    assert.equal(run.code, 1, run.stderr); // finished with failed items

    const truth = async () => {
      const client = readClient(`${dir}/status.db`);
      try {
        const rows = (await client.execute(
          `SELECT CASE WHEN last_status BETWEEN 500 AND 599 THEN '5xx' ELSE '4xx' END, count(*)
           FROM items WHERE status = 'failed' GROUP BY 1`,
        )).rows;
        return Object.fromEntries(rows.map((r) => [String(r[0]), Number(r[1])]));
      } finally {
        client.close();
      }
    };
    const failed = await truth();
    assert.ok(failed["4xx"]! > 0 && failed["5xx"]! > 0, JSON.stringify(failed));
    const total = failed["4xx"]! + failed["5xx"]!;

    const status = await sluice(["status", "--db", db]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`queries: ${40 - total}/40 done, ${total} failed, 0 pending, 0 claimed`),
    );
    const byClass = /failed by last error: (.*)$/m.exec(status.stdout)?.[1];
    assert.ok(byClass, status.stdout);
    assert.deepEqual(
      Object.fromEntries(
        byClass.split(", ").map((p) => [p.split(" ")[0], Number(p.split(" ")[1])]),
      ),
      failed,
    );
    assert.match(status.stdout, new RegExp(`${failed["4xx"]} × http 400`));
    const json = JSON.parse((await sluice(["status", "--db", db, "--json"])).stdout);
    assert.deepEqual(json.jobs[0].failureClasses, failed);
    assert.equal(json.jobs[0].possiblySent, 0);

    const retry = await sluice(["retry", "--db", db, "--status", "5xx"]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(
      retry.stderr,
      new RegExp(`${failed["5xx"]} failed items of job "queries" re-queued`),
    );
    const after = JSON.parse((await sluice(["status", "--db", db, "--json"])).stdout).jobs[0];
    assert.equal(after.pending, failed["5xx"]);
    assert.deepEqual(after.failureClasses, { "4xx": failed["4xx"] });

    const sentBefore = server.api.stats.requests;
    const rerun = await sluice(["run", "--db", db, "--job", "queries", "--quiet"]);
    assert.ok(rerun.code === 0 || rerun.code === 1, rerun.stderr);
    assert.equal(
      server.api.stats.requests - sentBefore,
      failed["5xx"],
      "only the re-queued items are sent",
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
