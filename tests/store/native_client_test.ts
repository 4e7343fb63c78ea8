/**
 * The native client (lib/store/native_client.ts) against @libsql/client, which
 * it stands in for on local databases: the same statements give the same
 * results and the same errors; and each statement is prepared once.
 */
import assert from "node:assert/strict";
import { createClient, type InStatement, LibsqlDatabase } from "../../lib/deps.ts";
import { openConnection } from "../../lib/store/connection.ts";
import { localPath, openNativeClient } from "../../lib/store/native_client.ts";

const SETUP: InStatement[] = [
  "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n, b BLOB)",
  { sql: "INSERT INTO t (name, n, b) VALUES (?, ?, ?)", args: ["a", 1.5, new Uint8Array([0, 1])] },
  { sql: "INSERT INTO t (name, n) VALUES (:name, $n)", args: { name: "b", $n: 9007199254740991n } },
  { sql: "INSERT INTO t (name, n) VALUES (?, ?)", args: ["c", true] },
];

const QUERIES: InStatement[] = [
  "SELECT * FROM t ORDER BY id",
  "SELECT id, name AS id, n FROM t WHERE id > 1",
  { sql: "UPDATE t SET n = n + 1 WHERE name IN (?, ?)", args: ["a", "c"] },
  { sql: "INSERT INTO t (name) VALUES (?) RETURNING id, name", args: ["d"] },
  "DELETE FROM t WHERE name = 'd'",
  "PRAGMA user_version",
  "SELECT 1 WHERE 0",
];

const FAILING: InStatement[] = [
  { sql: "INSERT INTO t (name) VALUES (?)", args: ["a"] },
  "SELECT nope FROM t",
  "SELECT 9223372036854775807",
  { sql: "SELECT ?", args: [undefined as unknown as null] },
  { sql: "SELECT ?", args: [Infinity] },
];

/** What a result set says, in plain data: rows by index and by name. */
function plain(rs: { columns: string[]; rows: ArrayLike<unknown>[]; rowsAffected: number }) {
  return {
    columns: rs.columns,
    rows: rs.rows.map((row) => ({ values: Array.from(row), named: { ...row } })),
    rowsAffected: rs.rowsAffected,
  };
}

async function outcome<T>(work: () => Promise<T>): Promise<T | { error: string; code: unknown }> {
  try {
    return await work();
  } catch (error) {
    const e = error as Error & { code?: unknown; statementIndex?: unknown };
    return { error: `${e.name}: ${e.message}`, code: [e.code, e.statementIndex] };
  }
}

Deno.test("the native client gives @libsql/client's results and errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const libsql = createClient({ url: `file:${dir}/a.db` });
    const native = openNativeClient(`${dir}/b.db`, 5000);
    for (const client of [libsql, native]) await client.batch(SETUP, "write");
    for (const statement of [...QUERIES, ...FAILING]) {
      const [a, b] = await Promise.all(
        [libsql, native].map((client) =>
          outcome(async () => {
            const rs = await client.execute(statement);
            return { ...plain(rs), lastInsertRowid: rs.lastInsertRowid, json: rs.toJSON() };
          })
        ),
      );
      assert.deepEqual(b, a, JSON.stringify(statement));
    }
    // A batch that fails names its statement and rolls back the ones before it.
    for (const client of [libsql, native]) {
      const failed = await outcome(() =>
        client.batch(["DELETE FROM t", FAILING[1]!, "DELETE FROM t"], "write")
      );
      assert.deepEqual(failed, {
        error: "LibsqlBatchError: SQLITE_ERROR: SQLITE_ERROR: no such column: nope",
        code: ["SQLITE_ERROR", 1],
      });
      assert.equal((await client.execute("SELECT count(*) AS n FROM t")).rows[0]!.n, 3);
    }
    // Transactions: committed, rolled back, closed.
    for (const client of [libsql, native]) {
      const tx = await client.transaction("write");
      await tx.batch([{ sql: "INSERT INTO t (name) VALUES (?)", args: ["e"] }]);
      await tx.commit();
      assert.equal(tx.closed, true);
      const undone = await client.transaction("write");
      await undone.execute("DELETE FROM t");
      await undone.rollback();
      undone.close();
      assert.equal((await client.execute("SELECT count(*) AS n FROM t")).rows[0]!.n, 4);
      assert.deepEqual(await outcome(() => undone.execute("SELECT 1")), {
        error: "LibsqlError: TRANSACTION_CLOSED: The transaction is closed",
        code: ["TRANSACTION_CLOSED", undefined],
      });
    }
    libsql.close();
    native.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the native client prepares each statement once per connection", async () => {
  const prepare = LibsqlDatabase.prototype.prepare;
  const prepared: string[] = [];
  LibsqlDatabase.prototype.prepare = function (sql: string) {
    prepared.push(sql);
    return prepare.call(this, sql);
  };
  try {
    const client = openNativeClient(":memory:", 5000);
    await client.execute("CREATE TABLE t (n)");
    for (let i = 0; i < 50; i++) {
      await client.batch([{ sql: "INSERT INTO t VALUES (?)", args: [i] }], "write");
    }
    assert.equal((await client.execute("SELECT sum(n) AS s FROM t")).rows[0]!.s, 1225);
    assert.deepEqual(prepared.filter((sql) => sql.startsWith("INSERT")), [
      "INSERT INTO t VALUES (?)",
    ]);
    assert.equal(prepared.filter((sql) => sql === "COMMIT").length, 1);
    client.close();
    // A store on a local database goes through it.
    const connection = await openConnection(":memory:");
    prepared.length = 0;
    for (let i = 0; i < 10; i++) await connection.execute("SELECT count(*) FROM jobs", "count");
    assert.deepEqual(prepared, ["SELECT count(*) FROM jobs"]);
    connection.close();
  } finally {
    LibsqlDatabase.prototype.prepare = prepare;
  }
});

Deno.test("localPath() takes plain local URLs only", () => {
  assert.equal(localPath(":memory:"), ":memory:");
  assert.equal(localPath("file:sluice.db"), "sluice.db");
  assert.equal(localPath("file:/abs/sluice.db"), "/abs/sluice.db");
  assert.equal(localPath("file:///abs/sluice.db"), "/abs/sluice.db");
  assert.equal(localPath("file://localhost/abs/sluice.db"), "/abs/sluice.db");
  assert.equal(localPath("file://host/abs/sluice.db"), undefined);
  assert.equal(localPath("file:a%20b.db"), undefined);
  assert.equal(localPath("file:a.db?mode=ro"), undefined);
  assert.equal(localPath("libsql://x.turso.io"), undefined);
});

/**
 * Another process takes `db`'s write lock, keeps it `holdMs`, then commits;
 * resolves once it holds the lock.
 */
async function holdWriteLock(db: string, holdMs: number): Promise<Deno.ChildProcess> {
  const script = "import sqlite3, sys, time\n" +
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n" +
    "c.execute('BEGIN IMMEDIATE')\n" +
    "c.execute('INSERT INTO t VALUES (-1)')\n" +
    "print('held', flush=True)\n" +
    "time.sleep(float(sys.argv[2]) / 1000)\n" +
    "c.execute('COMMIT')\n";
  const holder = new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, db, String(holdMs)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.equal(value?.trim(), "held");
  reader.releaseLock();
  return holder;
}

/** Each write waits out another process's write lock and is kept, as are the other's. */
async function assertWritesWaitForLock(db: string, writes: [string, () => Promise<unknown>][]) {
  for (const [name, write] of writes) {
    const holdMs = 300;
    const holder = await holdWriteLock(db, holdMs);
    const started = performance.now();
    const written = await outcome(write);
    const waited = performance.now() - started;
    assert.ok((await holder.status).success);
    assert.ok(!(written && typeof written === "object" && "error" in written), name);
    assert.ok(waited >= holdMs / 2, `${name} waited ${waited} ms for the lock`);
  }
}

Deno.test("every connection of the native client waits for another process's write lock", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/locked.db`;
  const client = openNativeClient(db, 5000);
  try {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("CREATE TABLE t (n)");
    await assertWritesWaitForLock(db, [
      ["execute", () => client.execute({ sql: "INSERT INTO t VALUES (?)", args: [1] })],
      ["batch", () => client.batch([{ sql: "INSERT INTO t VALUES (?)", args: [2] }], "write")],
      ["transaction", async () => {
        // A transaction runs on a connection of its own, opened for it.
        const tx = await client.transaction("write");
        await tx.execute({ sql: "INSERT INTO t VALUES (?)", args: [3] });
        await tx.commit();
      }],
    ]);
    // Nothing lost: each process's writes are all there.
    const rows = await client.execute("SELECT n FROM t ORDER BY n");
    assert.deepEqual(rows.rows.map((row) => Number(row.n)), [-1, -1, -1, 1, 2, 3]);
  } finally {
    client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store's connection and its transactions wait for another process's write lock", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/store.db`;
  const connection = await openConnection(`file:${db}`);
  try {
    await connection.execute("CREATE TABLE t (n)", "create t");
    const insert = (n: number) => ({ sql: "INSERT INTO t VALUES (?)", args: [n] });
    await assertWritesWaitForLock(db, [
      ["execute", () => connection.execute(insert(1), "insert")],
      ["batch", () => connection.batch([insert(2)], "insert")],
      ["transaction", () => connection.transaction((tx) => tx.execute(insert(3), "insert"))],
    ]);
    const rows = await connection.execute("SELECT n FROM t ORDER BY n", "read t");
    assert.deepEqual(rows.rows.map((row) => Number(row.n)), [-1, -1, -1, 1, 2, 3]);
  } finally {
    connection.close();
    await Deno.remove(dir, { recursive: true });
  }
});
