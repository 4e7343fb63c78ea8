/**
 * The SQL sandbox where its contract test cannot reach: a rule broken by a
 * schema object made outside sluice is refused where the statement that
 * would fire it is compiled, inside sluice's own write; and the user's own
 * work (full-text tables, JSON, triggers between their tables, AUTOINCREMENT,
 * ALTER TABLE, reading sluice's tables) goes through.
 */
import assert from "node:assert/strict";
import { sqlCommand } from "../../cli/sql.ts";
import { prepareProcessing } from "../../lib/process/processing.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { testDb } from "../_db.ts";
import { addJob, outcome, response } from "../store/_fixtures.ts";

const HITS = "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, body TEXT)";
const INTO = "INSERT OR REPLACE INTO hits VALUES (:key, :body)";

Deno.test("a trigger made outside sluice after the check is refused inside sluice's write, before it fires", async () => {
  using db = await testDb();
  const jobId = await addJob(db.store, 2);
  const processing = await prepareProcessing(db.store.tables, "j", { schema: HITS, into: INTO });
  await processing!.applySchema();
  const claimed = await db.store.queue.claim(jobId, "me", 2, 0, 60_000);
  // Made on sluice's own connection, around the sandbox: as another tool would.
  await db.connection.execute(
    "CREATE TRIGGER spoil AFTER INSERT ON hits BEGIN UPDATE items SET status = 'pending'; END",
    "outside the sandbox",
  );
  const updates = claimed.map((item) => ({
    ...outcome(item.id),
    response: response(item.seq, '{"a":1}'),
    processing: { key: item.key, vars: "{}" },
  }));
  await assert.rejects(
    db.store.results.write("me", jobId, updates, 1, { process: processing!.plan }),
    /--into: refused by the SQL sandbox \(sluice's and SQLite's tables are read-only\): its trigger spoil writes sluice's own table "items"/,
  );
  const rows = await db.rows("SELECT status FROM items ORDER BY id");
  assert.deepEqual(rows.map((r) => r.status), ["inflight", "inflight"], "the trigger never fired");
  assert.equal(await db.count("SELECT count(*) FROM hits"), 0);
  assert.equal(await db.count("SELECT count(*) FROM responses"), 0, "nothing of the batch written");
});

Deno.test("a schema change made outside sluice that breaks no rule is checked again and the write goes on", async () => {
  using db = await testDb();
  const jobId = await addJob(db.store, 1);
  const processing = await prepareProcessing(db.store.tables, "j", { schema: HITS, into: INTO });
  await processing!.applySchema();
  const [item] = await db.store.queue.claim(jobId, "me", 1, 0, 60_000);
  await db.connection.execute("CREATE TABLE other (a)", "outside the sandbox");
  const written = await db.store.results.write(
    "me",
    jobId,
    [{
      ...outcome(item!.id),
      response: response(item!.seq, '{"a":1}'),
      processing: { key: item!.key, vars: "{}" },
    }],
    1,
    { process: processing!.plan },
  );
  assert.equal(written.applied, 1);
  assert.equal(await db.count("SELECT count(*) FROM hits"), 1);
});

Deno.test("a trigger made outside sluice before the check is refused when --into would fire it", async () => {
  using db = await testDb();
  await db.connection.execute(HITS, "setup");
  await db.connection.execute(
    "CREATE TRIGGER spoil AFTER INSERT ON hits BEGIN SELECT sqlite_log(1, new.key); END",
    "outside the sandbox",
  );
  await assert.rejects(
    prepareProcessing(db.store.tables, "j", { into: INTO }),
    /--into: refused by the SQL sandbox \(allowed functions only\): its trigger spoil calls sqlite_log\(\)/,
  );
});

Deno.test("the sandbox lets the user's own work through: full text, JSON, triggers between their tables, AUTOINCREMENT, ALTER, reading sluice's tables", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_sandbox_ok_" });
  try {
    const url = `file:${dir}/s.db`;
    using db = await testDb(url);
    await addJob(db.store, 1);
    const processing = await prepareProcessing(db.store.tables, "j", {
      schema: `
        CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(key, title);
        CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT);
        CREATE TABLE IF NOT EXISTS hits (key TEXT, title TEXT, upper_title TEXT AS (upper(title)),
          CHECK (length(key) > 0));
        CREATE INDEX IF NOT EXISTS hits_title ON hits (lower(title));
        CREATE TRIGGER IF NOT EXISTS logged AFTER INSERT ON hits BEGIN
          INSERT INTO log (key) VALUES (new.key);
          INSERT INTO docs VALUES (new.key, new.title);
        END;
        CREATE VIEW IF NOT EXISTS ranked AS
          SELECT key, row_number() OVER (ORDER BY key) AS r, json_object('k', key) AS j FROM hits`,
      into: `INSERT INTO hits (key, title)
             SELECT :key, value ->> 'title' FROM json_each(:body, '$.results');
             SELECT count(*) FROM items WHERE job = (SELECT id FROM jobs WHERE name = :job)`,
    });
    await processing!.applySchema();
    const sink = { write: (p: Uint8Array) => Promise.resolve(p.length), isTerminal: () => false };
    const quiet = { log: () => {}, error: () => {} };
    await sqlCommand(
      `ALTER TABLE log ADD COLUMN note TEXT; CREATE TEMP TABLE scratch (a);
       INSERT INTO scratch SELECT value FROM generate_series(1, 3);
       INSERT INTO hits (key, title) VALUES ('k', 'Title');
       PRAGMA table_info(hits)`,
      { db: url, write: true },
      quiet,
      sink,
    );
    const client = openSqlClient(url);
    try {
      const rs = await client.query([
        "SELECT (SELECT count(*) FROM log), (SELECT count(*) FROM docs WHERE docs MATCH 'title')," +
        " (SELECT upper_title FROM hits), (SELECT count(*) FROM items)," +
        " (SELECT date('now') IS NOT NULL), (SELECT j FROM ranked)",
      ]);
      assert.deepEqual(rs.rows, [[1, 1, "TITLE", 1, 1, '{"k":"k"}']]);
    } finally {
      client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
