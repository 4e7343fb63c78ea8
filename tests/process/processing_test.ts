import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { prepareProcessing } from "../../lib/process/processing.ts";
import type { Processor } from "../../lib/process/processor.ts";
import { testDb } from "../_db.ts";
import { outcome, response } from "../store/_fixtures.ts";

const HITS = "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, title TEXT NOT NULL)";

/** The names of the database's tables. */
async function tables(db: Awaited<ReturnType<typeof testDb>>): Promise<string[]> {
  const rows = await db.rows("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  return rows.map((r) => String(r.name));
}

Deno.test("prepareProcessing() refuses bad SQL, naming the statement and SQLite's message, and changes nothing", async () => {
  using db = await testDb();
  const before = await tables(db);
  const cases: [Parameters<typeof prepareProcessing>[2], RegExp][] = [
    [
      { schema: "CREATE TABL hits (a)" },
      /^--schema: near "TABL": syntax error\n {2}in: CREATE TABL hits \(a\)$/,
    ],
    [
      { schema: HITS, into: "INSERT INTO hits (key, titel) VALUES (:key, :body)" },
      /^--into: table hits has no column named titel\n/,
    ],
    [
      { schema: `${HITS}; CREATE INDEX hits_key ON hitz (key)` },
      /^--schema statement 2 \(line 1\): no such table: main.hitz/,
    ],
    [{ into: "INSERT INTO hits VALUES (:key, :title)" }, /uses :title, which sluice does not set/],
    [
      { into: "SELECT 1", processor: { tables: {}, process: () => ({}) } },
      /--into and --processor together/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(
      prepareProcessing(db.store.tables, "j", options),
      (error: Error) => error instanceof InputError && message.test(error.message),
      String(message),
    );
  }
  assert.deepEqual(await tables(db), before, "the checks left no table behind");
});

Deno.test("prepareProcessing() takes a statement that only fails for some values (NULLs in the check)", async () => {
  using db = await testDb();
  const processing = await prepareProcessing(db.store.tables, "j", {
    schema: HITS,
    into: `INSERT INTO hits VALUES (:key, :body ->> '$.title'); SELECT json(:body)`,
  });
  assert.equal(processing?.plan.into.length, 2);
  assert.ok(!(await tables(db)).includes("hits"), "the check's table is rolled back");
});

Deno.test("Processing.applySchema() runs the schema and creates a processor's tables with their key", async () => {
  using db = await testDb();
  await db.connection.execute("CREATE TABLE old_hits (key TEXT)", "setup");
  const processor: Processor = {
    tables: { hits: { columns: { key: "TEXT NOT NULL", rank: "INTEGER" }, key: ["key", "rank"] } },
    process: () => undefined,
  };
  const processing = await prepareProcessing(db.store.tables, "j", {
    schema: "CREATE TABLE IF NOT EXISTS seen (key TEXT)",
    processor,
  });
  await processing!.applySchema();
  assert.deepEqual([...processing!.plan.tables], [["hits", ["key", "rank"]]]);
  const [sql] = await db.rows("SELECT sql FROM sqlite_schema WHERE name = 'hits'");
  assert.match(String(sql!.sql), /PRIMARY KEY \("key", "rank"\)/);
  assert.deepEqual(await db.store.tables.columns("seen"), ["key"]);
  // A table already there without a declared column is refused before anything runs.
  await assert.rejects(
    prepareProcessing(db.store.tables, "j", {
      processor: {
        tables: { old_hits: { columns: { key: "TEXT", title: "TEXT" } } },
        process: () => undefined,
      },
    }),
    /the processor's rows for "old_hits": table old_hits has no column named title/,
  );
});

Deno.test("Processing.applySchema() lets a schema-only processor write the user's tables, never sluice's", async () => {
  using db = await testDb();
  const processing = await prepareProcessing(db.store.tables, "j", {
    processor: {
      schema: "CREATE TABLE IF NOT EXISTS hits (key TEXT, n INTEGER)",
      process: () => undefined,
    },
  });
  await processing!.applySchema();
  assert.deepEqual([...processing!.plan.tables], [["hits", ["key", "n"]]]);
});

Deno.test("Processing.annotate() adds the query and the processor's rows to a done answer, or why it failed", async () => {
  using db = await testDb();
  const seen: unknown[] = [];
  const processing = await prepareProcessing(db.store.tables, "j", {
    processor: {
      tables: { hits: { columns: { key: "TEXT", title: "TEXT" } } },
      process(answer, query) {
        seen.push([answer.body, answer.text, answer.headers, query]);
        if (query.q === "boom") throw new Error("no results array");
        if (query.q === "odd") return [] as never;
        return { hits: [{ key: answer.key, title: (answer.body as { t: string }).t }] };
      },
    },
  });
  const done = (id: number) =>
    outcome(id, { response: { ...response(id, '{"t":"x"}'), headers: '{"content-type":"json"}' } });
  const ok = done(1);
  await processing!.annotate(ok, { key: "a", vars: { q: "fine" } });
  assert.deepEqual(ok.processing, {
    key: "a",
    vars: '{"q":"fine"}',
    rows: { hits: [{ key: "a", title: "x" }] },
  });
  assert.deepEqual(seen[0], [{ t: "x" }, '{"t":"x"}', { "content-type": "json" }, { q: "fine" }]);
  const thrown = done(2);
  await processing!.annotate(thrown, { key: "b", vars: { q: "boom" } });
  assert.equal(thrown.processing?.error, "no results array");
  const odd = done(3);
  await processing!.annotate(odd, { key: "c", vars: { q: "odd" } });
  assert.match(odd.processing!.error!, /something other than rows per table/);
  const retry = outcome(4, { status: "pending" });
  await processing!.annotate(retry, { key: "d", vars: {} });
  assert.equal(retry.processing, undefined);
});
