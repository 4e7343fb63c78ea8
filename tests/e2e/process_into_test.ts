/**
 * `sluice run --schema --into` against the mock API, through the CLI: each
 * answer's results land in the user's table in the transaction that stores
 * the answer, and the processing is saved with the job, so a resume after a
 * kill -9 processes the same way.
 */
import assert from "node:assert/strict";
import {
  Gate,
  inFlightKeys,
  mockJob,
  readClient,
  sluice,
  SluiceProcess,
} from "../_sluice_process.ts";

const SCHEMA = `CREATE TABLE IF NOT EXISTS hits (
  key TEXT NOT NULL, q TEXT, rank INTEGER NOT NULL, title TEXT, score REAL,
  PRIMARY KEY (key, rank))`;
const INTO = `INSERT OR REPLACE INTO hits (key, q, rank, title, score)
  SELECT :key, :vars ->> '$.q', j.key, j.value ->> '$.title', j.value ->> '$.score'
  FROM json_each(:body, '$.results') AS j`;

/** The figures that say whether every done item has exactly its results in `hits`. */
async function hitsFigures(db: string) {
  const client = readClient(db);
  try {
    const one = async (sql: string) => Number((await client.execute(sql)).rows[0]?.[0]);
    return {
      done: await one("SELECT count(*) FROM items WHERE status = 'done'"),
      hits: await one("SELECT count(*) FROM hits"),
      results: await one(
        `SELECT sum(json_array_length(r.body, '$.results')) FROM items i
         JOIN responses r ON r.item = i.id WHERE i.status = 'done'`,
      ),
      doneWithout: await one(
        `SELECT count(*) FROM items i WHERE i.status = 'done'
           AND NOT EXISTS (SELECT 1 FROM hits h WHERE h.key = i.key)`,
      ),
      rowsOfOthers: await one(
        "SELECT count(*) FROM hits h JOIN items i ON i.key = h.key WHERE i.status != 'done'",
      ),
      wrongQ: await one(
        "SELECT count(*) FROM hits h JOIN items i ON i.key = h.key WHERE h.q != i.vars ->> '$.q'",
      ),
    };
  } finally {
    client.close();
  }
}

Deno.test("run --schema --into: every done item has its results in the table, as many rows as results", async () => {
  await using job = await mockJob(120, new Gate());
  const run = await sluice([...job.args, "--schema", SCHEMA, "--into", INTO]);
  assert.equal(run.code, 0, run.stderr);
  const f = await hitsFigures(job.db);
  assert.equal(f.done, 120);
  assert.ok(f.results >= 120, `${f.results} results`);
  assert.equal(f.hits, f.results, "one row per result in the stored bodies");
  assert.equal(f.doneWithout, 0);
  assert.equal(f.wrongQ, 0);
});

Deno.test("run --into after a kill -9: the resume, without the flags, processes the rest the same way", async () => {
  const concurrency = 4;
  const gate = new Gate({ closeAfter: 30 });
  await using job = await mockJob(80, gate, { concurrency });
  const first = new SluiceProcess([
    ...job.args,
    "--schema",
    SCHEMA,
    "--into",
    `@${await sqlFile(job.dir)}`,
  ]);
  await inFlightKeys(gate, job, concurrency, first);
  first.kill("SIGKILL");
  await first.exited;
  gate.open();
  const before = await hitsFigures(job.db);
  assert.ok(before.done >= 26 && before.done <= 30, `${before.done} done before the kill`);
  assert.equal(before.hits, before.results);
  // No input, no --schema, no --into: the job has them.
  const resume = await sluice([
    "run",
    "--db",
    `file:${job.db}`,
    "--job",
    "job",
    "--rate",
    "none",
    "--quiet",
  ]);
  assert.equal(resume.code, 0, resume.stderr);
  const after = await hitsFigures(job.db);
  assert.equal(after.done, 80);
  assert.equal(after.hits, after.results);
  assert.equal(after.doneWithout, 0);
});

async function sqlFile(dir: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/into.sql`, `-- each result of the answer, one row\n${INTO};\n`);
  return `${dir}/into.sql`;
}
