/**
 * `sluice process` through the CLI: after the extraction changed, the
 * stored answers are processed again into the table, with no row twice
 * (the table has a key), no request sent (checked at the mock), and items
 * whose processing had failed done once it succeeds.
 */
import assert from "node:assert/strict";
import { Gate, mockJob, readClient, sluice } from "../_sluice_process.ts";

const SCHEMA = `CREATE TABLE IF NOT EXISTS hits (
  key TEXT NOT NULL, rank INTEGER NOT NULL, title TEXT NOT NULL, url TEXT,
  PRIMARY KEY (key, rank))`;
// The first extraction: no URL, and it refuses the answers to queries ending in 3.
const FIRST = `INSERT OR REPLACE INTO hits (key, rank, title)
  SELECT :key, j.value ->> '$.rank',
         CASE WHEN :vars ->> '$.q' LIKE '%3' THEN NULL ELSE j.value ->> '$.title' END
  FROM json_each(:body, '$.results') AS j`;
const FIXED = `INSERT OR REPLACE INTO hits (key, rank, title, url)
  SELECT :key, j.value ->> '$.rank', j.value ->> '$.title', j.value ->> '$.url'
  FROM json_each(:body, '$.results') AS j`;

Deno.test("sluice process after changing --into rebuilds the table without duplicates and sends nothing", async () => {
  await using job = await mockJob(60, new Gate());
  const db = ["--db", `file:${job.db}`];
  const run = await sluice([...job.args, "--schema", SCHEMA, "--into", FIRST]);
  assert.equal(run.code, 1, run.stderr); // the refused answers failed their items
  const before = await figures(job.db);
  assert.equal(before.processFailed, 6);
  const requests = job.server.api.stats.requests;

  const processed = await sluice(["process", ...db, "--into", FIXED]);
  assert.equal(processed.code, 0, processed.stderr);
  assert.match(processed.stderr, /processing 60 stored answers of job "job"; nothing is sent/);
  assert.match(processed.stderr, /60 answers processed: 60 into the tables, 0 failed/);
  const after = await figures(job.db);
  assert.equal(after.processFailed, 0);
  assert.equal(after.done, 60);
  assert.equal(after.hits, after.results, "one row per result, none twice");
  assert.equal(after.withUrl, after.hits, "every row from the new extraction");

  // Again, with the job's own (saved) --into: still no row twice.
  const again = await sluice(["process", ...db, "--quiet"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await figures(job.db)).hits, after.hits);
  assert.equal(job.server.api.stats.requests, requests, "the mock received nothing more");
});

Deno.test("sluice process without anything to process with is bad usage", async () => {
  await using job = await mockJob(3, new Gate());
  assert.equal((await sluice(job.args)).code, 0);
  const processed = await sluice(["process", "--db", `file:${job.db}`]);
  assert.equal(processed.code, 2);
  assert.match(
    processed.stderr,
    /Job "job" has nothing to process its answers with: pass --into SQL/,
  );
});

async function figures(db: string) {
  const client = readClient(db);
  try {
    const one = async (sql: string) => Number((await client.execute(sql)).rows[0]?.[0]);
    return {
      done: await one("SELECT count(*) FROM items WHERE status = 'done'"),
      processFailed: await one("SELECT count(*) FROM items WHERE error_class = 'process'"),
      hits: await one("SELECT count(*) FROM hits"),
      withUrl: await one("SELECT count(*) FROM hits WHERE url IS NOT NULL"),
      results: await one(
        `SELECT sum(json_array_length(r.body, '$.results')) FROM items i
         JOIN responses r ON r.item = i.id WHERE i.status = 'done'`,
      ),
    };
  } finally {
    client.close();
  }
}
