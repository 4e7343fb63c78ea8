import assert from "node:assert/strict";
import { prepareProcessing } from "../../lib/process/processing.ts";
import { processStored } from "../../lib/process/process_stored.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { FAST, setup } from "../run/_run_job_fixtures.ts";

let sent = 0;
/** Answers each POST of `{ q }` with two results titled after it; counts what is sent. */
const searchApi: typeof fetch = (_url, init) => {
  sent++;
  const { q } = JSON.parse(String(init?.body));
  const results = [1, 2].map((rank) => ({ rank, title: `${q} ${rank}` }));
  return Promise.resolve(new Response(JSON.stringify({ results })));
};

const SCHEMA = `CREATE TABLE IF NOT EXISTS hits (
  key TEXT NOT NULL, rank INTEGER NOT NULL, title TEXT NOT NULL, loud TEXT,
  PRIMARY KEY (key, rank))`;

Deno.test("processStored() processes stored answers again: no duplicates with a key, process failures fixed, nothing sent", async () => {
  const { store, job, template, db } = await setup(["a", "b", "c", "d"]);
  try {
    // A first extraction that refuses the answer to "c".
    await runJob(store, job, template, {
      ...FAST,
      fetch: searchApi,
      schema: SCHEMA,
      into: `INSERT OR REPLACE INTO hits (key, rank, title)
             SELECT :key, j.value ->> '$.rank', CASE WHEN :key = 'c' THEN NULL ELSE j.value ->> '$.title' END
             FROM json_each(:body, '$.results') AS j`,
    });
    assert.equal(await db.count("SELECT count(*) FROM hits"), 6);
    assert.equal(await db.count("SELECT count(*) FROM items WHERE error_class = 'process'"), 1);
    const before = sent;

    // Fixed, and filling one more column.
    const fixed = await prepareProcessing(store.tables, "t", {
      schema: SCHEMA,
      into: `INSERT INTO hits (key, rank, title, loud)
             SELECT :key, j.value ->> '$.rank', j.value ->> '$.title', upper(j.value ->> '$.title')
             FROM json_each(:body, '$.results') AS j WHERE true
             ON CONFLICT (key, rank) DO UPDATE SET title = excluded.title, loud = excluded.loud`,
    });
    await fixed!.applySchema();
    const pages: number[] = [];
    const summary = await processStored(store, job.id, fixed!, {
      batchSize: 3,
      onProgress: (p) => void pages.push(p.processed),
    });
    assert.deepEqual(
      { total: summary.total, processed: summary.processed, failed: summary.failed },
      { total: 4, processed: 4, failed: 0 },
    );
    assert.deepEqual(pages, [3, 4]);
    assert.equal(await db.count("SELECT count(*) FROM hits"), 8);
    assert.equal(await db.count("SELECT count(*) FROM hits WHERE loud = upper(title)"), 8);
    assert.deepEqual(await db.rows("SELECT status, error_class FROM items WHERE key = 'c'"), [
      { status: "done", error_class: null },
    ]);
    assert.equal(await db.count("SELECT count(*) FROM responses WHERE error IS NOT NULL"), 0);

    // Again: the same rows, none twice.
    await processStored(store, job.id, fixed!);
    assert.equal(await db.count("SELECT count(*) FROM hits"), 8);
    assert.equal(sent, before, "nothing sent");
  } finally {
    store.close();
  }
});

Deno.test("processStored() fails the items whose processing now fails, with class process", async () => {
  const { store, job, template, db } = await setup(["a", "b"]);
  try {
    await runJob(store, job, template, { ...FAST, fetch: searchApi });
    const strict = await prepareProcessing(store.tables, "t", {
      schema: "CREATE TABLE IF NOT EXISTS only_a (key TEXT CHECK (key = 'a'))",
      into: "INSERT INTO only_a VALUES (:key)",
    });
    await strict!.applySchema();
    const summary = await processStored(store, job.id, strict!);
    assert.equal(summary.failed, 1);
    assert.deepEqual(summary.reasons, [
      ["process: CHECK constraint failed: key = 'a' (--into)", 1],
    ]);
    assert.deepEqual(
      await db.rows("SELECT key, status, error_class, last_error FROM items ORDER BY key"),
      [
        { key: "a", status: "done", error_class: null, last_error: null },
        {
          key: "b",
          status: "failed",
          error_class: "process",
          last_error: "process: CHECK constraint failed: key = 'a' (--into)",
        },
      ],
    );
  } finally {
    store.close();
  }
});
