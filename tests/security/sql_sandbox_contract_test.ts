/**
 * The SQL sandbox's contract: every rule, through every entry point of the
 * user's SQL (`sluice sql`, `sql --write`, `run --schema`, `run --into`, a
 * processor's schema and tables, `sluice process`). A violation is bad
 * input (InputError: exit 2) naming the statement and the rule, before
 * anything is sent; no file is created; the database is left as it was.
 */
import assert from "node:assert/strict";
import { processCommand } from "../../cli/process.ts";
import { runCommand } from "../../cli/run.ts";
import { sqlCommand } from "../../cli/sql.ts";
import { createClient } from "@libsql/client";
import { InputError } from "../../lib/errors.ts";
import { SANDBOX_RULES, type SqlUse } from "../../lib/store/sql_sandbox.ts";

const quiet = { log: () => {}, error: () => {} };
const sink = { write: (p: Uint8Array) => Promise.resolve(p.length), isTerminal: () => false };
const R = SANDBOX_RULES;

/** What a case's statement is, which decides the rule it meets where writes are not allowed. */
type Kind = "read" | "dml" | "ddl";

/** One attack: its SQL (`@DIR@` is the case's folder), what it is and the rule that stops it. */
interface Case {
  sql: string;
  kind: Kind;
  rule: string;
}

const CASES: Case[] = [
  // File and extension functions; functions outside the allowlist that are not DIRECTONLY.
  { sql: "SELECT writefile('@DIR@/pwned', 'x')", kind: "read", rule: R.functions },
  { sql: "SELECT readfile('/etc/passwd')", kind: "read", rule: R.functions },
  { sql: "SELECT load_extension('@DIR@/evil')", kind: "read", rule: R.functions },
  { sql: "SELECT sqlite3mc_config('cipher')", kind: "read", rule: R.functions },
  { sql: "SELECT lsmode(1)", kind: "read", rule: R.functions },
  // ATTACH creates its file as it runs.
  { sql: "ATTACH '@DIR@/attached.db' AS a", kind: "read", rule: R.attach },
  { sql: "DETACH a", kind: "read", rule: R.attach },
  // Pragmas that write act as they are prepared.
  { sql: "PRAGMA writable_schema = ON", kind: "read", rule: R.pragmas },
  { sql: "PRAGMA main.user_version = 99", kind: "read", rule: R.pragmas },
  { sql: "PRAGMA journal_mode = DELETE", kind: "read", rule: R.pragmas },
  { sql: "SELECT * FROM pragma_optimize", kind: "read", rule: R.pragmas },
  // Virtual tables: the file system, raw pages.
  { sql: "SELECT name FROM fsdir('/etc')", kind: "read", rule: R.modules },
  { sql: "SELECT name FROM 'FSDIR'('/etc')", kind: "read", rule: R.modules },
  { sql: "SELECT count(*) FROM sqlite_dbpage", kind: "read", rule: R.modules },
  { sql: "CREATE VIRTUAL TABLE pages USING sqlite_dbpage", kind: "ddl", rule: R.modules },
  { sql: "VACUUM INTO '@DIR@/copy.db'", kind: "read", rule: R.maintenance },
  { sql: "COMMIT", kind: "read", rule: R.transactions },
  // Writes to sluice's tables, however the name is written.
  { sql: "DELETE FROM responses", kind: "dml", rule: R.ownTables },
  { sql: "UPDATE items SET status = 'pending' WHERE key = 'a'", kind: "dml", rule: R.ownTables },
  { sql: 'DELETE FROM "main"."ITEMS"', kind: "dml", rule: R.ownTables },
  { sql: "INSERT INTO [Jobs] (name) VALUES ('x')", kind: "dml", rule: R.ownTables },
  { sql: "REPLACE INTO 'workers' (id) VALUES ('x')", kind: "dml", rule: R.ownTables },
  { sql: "WITH x AS (SELECT 1) DELETE FROM rate_usage", kind: "dml", rule: R.ownTables },
  { sql: "UPDATE sqlite_schema SET sql = ''", kind: "dml", rule: R.ownTables },
  { sql: "DELETE FROM sqlite_sequence", kind: "dml", rule: R.ownTables },
  { sql: "DROP TABLE items", kind: "ddl", rule: R.ownTables },
  { sql: "DROP INDEX items_ready", kind: "ddl", rule: R.ownTables },
  { sql: "ALTER TABLE snapshots ADD COLUMN x", kind: "ddl", rule: R.ownTables },
  { sql: "CREATE INDEX mine ON items (vars)", kind: "ddl", rule: R.ownTables },
  {
    sql: "CREATE TRIGGER t AFTER UPDATE ON items BEGIN SELECT 1; END",
    kind: "ddl",
    rule: R.ownTables,
  },
  // Temp objects named like sluice's tables would hide them from sluice's own statements.
  { sql: "CREATE TEMP TABLE items (a)", kind: "ddl", rule: R.ownTables },
  { sql: "CREATE TEMP VIEW Jobs AS SELECT 1", kind: "ddl", rule: R.ownTables },
  // A trigger on the user's table that writes sluice's table when sluice writes the user's.
  {
    sql: "CREATE TRIGGER t AFTER INSERT ON hits BEGIN UPDATE items SET status = 'pending'; END",
    kind: "ddl",
    rule: R.ownTables,
  },
  // Compiled later, in sluice's writes: a view, a trigger, a CHECK calling what is not allowed.
  { sql: "CREATE VIEW spy AS SELECT sqlite_log(1, 'x') AS l", kind: "ddl", rule: R.functions },
  // A file function SQLite itself refuses in a view (trusted_schema): refused by the rule, not a crash.
  {
    sql: "CREATE VIEW spy_file AS SELECT readfile('/etc/hostname') AS f",
    kind: "ddl",
    rule: R.functions,
  },
  {
    sql: "CREATE TRIGGER t2 AFTER INSERT ON hits BEGIN SELECT sqlite_log(1, new.key); END",
    kind: "ddl",
    rule: R.functions,
  },
  {
    sql: "CREATE TABLE checked (a TEXT CHECK (sqlite3mc_config('cipher') IS NOT NULL))",
    kind: "ddl",
    rule: R.functions,
  },
  { sql: "CREATE TABLE fk (item INTEGER REFERENCES items (id))", kind: "ddl", rule: R.foreignKeys },
];

/** One way the user's SQL reaches the database, and what it may do there. */
interface EntryPoint {
  name: string;
  use: SqlUse;
  run(ctx: Context, sql: string): Promise<unknown>;
}

/** A case's world: its folder, database, input file and counting server. */
interface Context {
  dir: string;
  db: string;
  input: string;
  url: string;
}

let processors = 0;

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: "sql",
    use: "read",
    run: (ctx, sql) => sqlCommand(sql, { db: ctx.db }, quiet, sink),
  },
  {
    name: "sql --write",
    use: "write",
    run: (ctx, sql) => sqlCommand(sql, { db: ctx.db, write: true }, quiet, sink),
  },
  {
    name: "run --schema",
    use: "write",
    run: (ctx, sql) => run(ctx, { schema: sql }),
  },
  {
    name: "run --into",
    use: "per_answer",
    run: (ctx, sql) => run(ctx, { into: sql }),
  },
  {
    name: "run --processor (its schema)",
    use: "write",
    run: async (ctx, sql) => {
      const path = `${ctx.dir}/processor_${processors++}.ts`;
      await Deno.writeTextFile(
        path,
        `export default { schema: ${JSON.stringify(sql)}, process: () => ({}) };`,
      );
      return run(ctx, { processor: path });
    },
  },
  {
    name: "process --schema",
    use: "write",
    run: (ctx, sql) =>
      processCommand({ db: ctx.db, job: "seed", schema: sql, into: "SELECT 1" }, quiet, stop()),
  },
  {
    name: "process --into",
    use: "per_answer",
    run: (ctx, sql) => processCommand({ db: ctx.db, job: "seed", into: sql }, quiet, stop()),
  },
];

function run(ctx: Context, flags: Record<string, string>) {
  return runCommand(
    ctx.input,
    { db: ctx.db, job: "fresh", url: ctx.url, rate: "none", quiet: true, ...flags },
    quiet,
    stop(),
  );
}

function stop(): AbortSignal {
  return new AbortController().signal;
}

/** The rule a case meets through an entry point: a write where none is allowed stops first. */
function expectedRule(c: Case, use: SqlUse): string {
  if (c.rule === R.modules || c.kind === "read") return c.rule;
  if (use === "read") return R.readOnly;
  if (use === "per_answer" && c.kind === "ddl") return R.perAnswer;
  return c.rule;
}

/** Everything of a database a violation could change: its schema, sluice's rows, its settings. */
async function fingerprint(db: string): Promise<string> {
  const client = createClient({ url: db });
  try {
    const parts = [];
    for (
      const sql of [
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
        "SELECT id, key, status, attempts, last_error FROM items ORDER BY id",
        "SELECT item, attempt, status, body FROM responses ORDER BY item, attempt",
        "SELECT name, options FROM jobs ORDER BY id",
        "SELECT * FROM hits ORDER BY key",
        "PRAGMA user_version",
        "PRAGMA journal_mode",
      ]
    ) parts.push(JSON.stringify((await client.execute(sql)).rows));
    return parts.join("\n");
  } finally {
    client.close();
  }
}

Deno.test("the SQL sandbox refuses every rule through every entry point: exit 2, nothing sent, no file, the database unchanged", async () => {
  const root = await Deno.makeTempDir({ prefix: "sluice_sandbox_" });
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      requests++;
      await request.body?.cancel();
      return Response.json({ results: [{ title: "t" }] });
    },
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/search`;
    const input = `${root}/queries.jsonl`;
    await Deno.writeTextFile(input, '{"id":"a","q":"x"}\n{"id":"b","q":"y"}\n');
    // The seed: a finished job with stored answers and the user's table of hits.
    const seed = `${root}/seed.db`;
    const code = await runCommand(
      input,
      {
        db: `file:${seed}`,
        job: "seed",
        url,
        rate: "none",
        quiet: true,
        schema: "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, body TEXT)",
        into: "INSERT OR REPLACE INTO hits VALUES (:key, :body)",
      },
      quiet,
      stop(),
    );
    assert.equal(code, 0);
    assert.equal(requests, 2);
    const before = await fingerprint(`file:${seed}`);
    // Everything in the database file, so that a copy of the file is the database.
    const client = createClient({ url: `file:${seed}` });
    await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    client.close();
    let n = 0;
    for (const entry of ENTRY_POINTS) {
      for (const c of CASES) {
        const dir = `${root}/case_${n++}`;
        await Deno.mkdir(dir);
        const db = `${dir}/s.db`;
        await Deno.copyFile(seed, db);
        const ctx = { dir, db: `file:${db}`, input, url };
        const sql = c.sql.replaceAll("@DIR@", dir);
        const what = `${entry.name}: ${sql}`;
        const rule = expectedRule(c, entry.use);
        await assert.rejects(
          entry.run(ctx, sql),
          (error: Error) => {
            assert.ok(error instanceof InputError, `${what}: ${error.stack}`);
            assert.ok(
              error.message.includes(`(${rule})`),
              `${what}: expected rule "${rule}", got: ${error.message}`,
            );
            assert.ok(
              error.message.includes(sql.replace(/\s+/g, " ").slice(0, 60)),
              `${what}: the message names the statement: ${error.message}`,
            );
            return true;
          },
        );
        assert.equal(requests, 2, `${what}: nothing sent`);
        const files = [];
        for await (const f of Deno.readDir(dir)) files.push(f.name);
        assert.deepEqual(
          files.filter((f) => !/^s\.db(-wal|-shm)?$/.test(f) && !f.startsWith("processor_")),
          [],
          `${what}: no file created`,
        );
        assert.equal(await fingerprint(ctx.db), before, `${what}: the database unchanged`);
      }
    }
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});
