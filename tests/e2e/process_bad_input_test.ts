/**
 * Bad processing is bad input: `sluice run` with SQL the database refuses,
 * a parameter sluice does not set, or a processor that does not load exits
 * 2 with the message before anything is sent, and leaves the database as
 * it was (a database it created is removed).
 */
import assert from "node:assert/strict";
import { Gate, mockJob, readClient, sluice } from "../_sluice_process.ts";

const CASES: [string, string[], RegExp][] = [
  ["bad --schema", ["--schema", "CREATE TABEL hits (a)"], /--schema: near "TABEL": syntax error/],
  [
    "bad --into",
    ["--into", "INSERT INTO hits (key) VALUES (:key)"],
    /--into: no such table: hits\n {2}in: INSERT INTO hits \(key\) VALUES \(:key\)/,
  ],
  [
    "a second --into statement refused",
    [
      "--schema",
      "CREATE TABLE IF NOT EXISTS hits (key TEXT)",
      "--into",
      "INSERT INTO hits VALUES (:key); UPDATE hits SET nope = 1",
    ],
    /--into statement 2 \(line 1\): no such column: nope/,
  ],
  [
    "unknown :param",
    [
      "--schema",
      "CREATE TABLE IF NOT EXISTS hits (key TEXT)",
      "--into",
      "INSERT INTO hits VALUES (:id)",
    ],
    /--into: INSERT INTO hits VALUES \(:id\): uses :id, which sluice does not set; it sets :key, :page, :job/,
  ],
  [
    "a processor that does not load",
    ["--processor", "./no_such_processor.ts"],
    /Cannot load processor \/.*\/no_such_processor\.ts: Module not found/,
  ],
];

for (const [what, flags, message] of CASES) {
  Deno.test(`run with ${what}: exit 2 with the message, nothing sent, no database left`, async () => {
    await using job = await mockJob(5, new Gate());
    const run = await sluice([...job.args, ...flags], { cwd: job.dir });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(job.server.api.stats.requests, 0, "the mock received nothing");
    assert.equal(await Deno.stat(job.db).then(() => true, () => false), false, "no database left");
  });
}

Deno.test("run with bad --into on an existing database: exit 2, the database unchanged", async () => {
  await using job = await mockJob(5, new Gate());
  const first = await sluice(job.args);
  assert.equal(first.code, 0, first.stderr);
  const before = await snapshot(job.db);
  const requests = job.server.api.stats.requests;
  const again = await sluice([
    ...job.args,
    "--schema",
    "CREATE TABLE IF NOT EXISTS hits (key TEXT)",
    "--into",
    "INSERT INTO hits VALUES (:key, 'one column too many')",
  ]);
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, /--into: table hits has 1 columns but 2 values were supplied/);
  assert.equal(job.server.api.stats.requests, requests);
  assert.deepEqual(await snapshot(job.db), before);
});

/** The database's schema and its job's options. */
async function snapshot(db: string) {
  const client = readClient(db);
  try {
    const tables = (await client.execute("SELECT name FROM sqlite_schema ORDER BY name")).rows
      .map((r) => String(r[0]));
    const options = String((await client.execute("SELECT options FROM jobs")).rows[0]?.[0]);
    return { tables, options };
  } finally {
    client.close();
  }
}
