import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { sqlCommand } from "../../cli/sql.ts";
import { InputError } from "../../lib/errors.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";

/** A database file with a table of awkward values; dispose to remove it. */
async function database(): Promise<{ url: string } & AsyncDisposable> {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const db = openSqlClient(`file:${path}`);
  await db.query([
    "CREATE TABLE hits (key TEXT, rank INTEGER, title TEXT, score REAL)",
    `INSERT INTO hits VALUES ('a', 1, 'plain', 0.5), ('b', 2, 'comma, "quote"
and a line', NULL), ('c', 9007199254740993, NULL, -1)`,
  ], { write: true });
  db.close();
  return {
    url: `file:${path}`,
    [Symbol.asyncDispose]: async () => {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
    },
  };
}

/** Runs `sluice sql` and returns what it printed, on stdout and stderr. */
async function sql(text: string, flags: Parameters<typeof sqlCommand>[1], terminal = false) {
  let out = "";
  const errors: string[] = [];
  const code = await sqlCommand(text, flags, { log: () => {}, error: (l) => errors.push(l) }, {
    write: (
      p,
    ) => (out += new TextDecoder("utf-8", { ignoreBOM: true }).decode(p),
      Promise.resolve(p.length)),
    isTerminal: () => terminal,
  });
  return { code, out, errors };
}

Deno.test("sqlCommand() prints an aligned table on a terminal", async () => {
  await using db = await database();
  const { out, errors } = await sql("SELECT key, rank, title FROM hits ORDER BY key", {
    db: db.url,
  }, true);
  assert.equal(
    out,
    [
      "key  rank              title",
      "---  ----------------  --------------------------",
      "a                   1  plain",
      'b                   2  comma, "quote"\\nand a line',
      "c    9007199254740993  NULL",
      "",
    ].join("\n"),
  );
  assert.deepEqual(errors, ["(3 rows)"]);
});

Deno.test("sqlCommand() prints valid CSV when not on a terminal, and JSON lines or JSON when asked", async () => {
  await using db = await database();
  const query = "SELECT * FROM hits ORDER BY key";
  const csv = await sql(query, { db: db.url });
  assert.deepEqual(parse(csv.out), [
    ["key", "rank", "title", "score"],
    ["a", "1", "plain", "0.5"],
    ["b", "2", 'comma, "quote"\nand a line', ""],
    ["c", "9007199254740993", "", "-1"],
  ]);
  const jsonl = await sql(query, { db: db.url, format: "jsonl" });
  const lines = jsonl.out.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[1]!), {
    key: "b",
    rank: 2,
    title: 'comma, "quote"\nand a line',
    score: null,
  });
  // Exact: an integer beyond 2^53 keeps its digits.
  assert.match(lines[2]!, /"rank":9007199254740993,/);
  const json = await sql(query, { db: db.url, format: "json" });
  assert.deepEqual(JSON.parse(json.out).map((r: { key: string }) => r.key), ["a", "b", "c"]);
  assert.equal((await sql("SELECT 1 WHERE 0", { db: db.url, format: "json" })).out, "[]\n");
});

Deno.test("sqlCommand() refuses to write without --write, and writes with it", async () => {
  await using db = await database();
  for (
    const statement of [
      "DELETE FROM hits",
      "CREATE TABLE t (a)",
      "DROP TABLE hits",
    ]
  ) {
    await assert.rejects(
      sql(statement, { db: db.url }),
      (error: Error) =>
        error instanceof InputError && /read-only unless --write/.test(error.message),
      statement,
    );
  }
  // A pragma that writes, or turns the guard off, is refused before it is prepared.
  for (
    const statement of ["PRAGMA user_version = 7", "PRAGMA query_only = OFF; DELETE FROM hits"]
  ) {
    await assert.rejects(sql(statement, { db: db.url }), /reading pragmas only/, statement);
  }
  assert.equal((await sql("SELECT count(*) AS n FROM hits", { db: db.url })).out, "n\n3\n");
  const write = await sql("DELETE FROM hits WHERE key = 'a'", { db: db.url, write: true });
  assert.deepEqual(write.errors, ["sluice: 1 rows changed"]);
  assert.equal((await sql("SELECT count(*) AS n FROM hits", { db: db.url })).out, "n\n2\n");
});

Deno.test("sqlCommand() reports SQL SQLite refuses, and a database that is not there", async () => {
  await using db = await database();
  await assert.rejects(
    sql("SELEC 1", { db: db.url }),
    /near "SELEC": syntax error \(in: SELEC 1\)/,
  );
  await assert.rejects(sql("  ", { db: db.url }), /No SQL statement given/);
  await assert.rejects(
    sql("SELECT 1", { db: "file:/nonexistent/sluice.db" }),
    /No database at \/nonexistent\/sluice\.db/,
  );
});

Deno.test("sqlCommand() --bom starts CSV with a UTF-8 BOM, even on a terminal; a format other than CSV refuses it", async () => {
  await using db = await database();
  const query = "SELECT key FROM hits WHERE key = 'a'";
  assert.equal((await sql(query, { db: db.url, bom: true }, true)).out, "\uFEFFkey\na\n");
  assert.equal((await sql(query, { db: db.url, format: "csv" })).out, "key\na\n");
  for (const flags of [{ bom: true }, { csvRaw: true }]) {
    await assert.rejects(
      sql(query, { db: db.url, format: "jsonl", ...flags }),
      (error: Error) =>
        error instanceof InputError && /^Cannot use --(bom|csv-raw) with --format jsonl/.test(
          error.message,
        ),
    );
  }
});

Deno.test("sqlCommand() aligns a table of wide characters (CJK, emoji, combining marks) by the columns a terminal gives them", async () => {
  await using db = await database();
  const { out } = await sql(
    `SELECT column1 AS name, column2 AS n FROM (VALUES
       ('東京', 1), ('👍 ok', 22), ('cafe' || char(769), 333), ('한국어', 4),
       ('red ' || char(27) || '[31m', 5))`,
    { db: db.url },
    true,
  );
  // The name column is 12 columns wide (the escaped ESC makes the widest cell).
  const sp = (n: number) => " ".repeat(n);
  assert.equal(
    out,
    [
      `name${sp(10)}n`,
      `${"-".repeat(12)}  ---`,
      `東京${sp(12)}1`,
      `👍 ok${sp(10)}22`,
      `cafe\u0301${sp(10)}333`,
      `한국어${sp(10)}4`,
      `red \\x1b[31m${sp(4)}5`,
      "",
    ].join("\n"),
  );
});

Deno.test("sqlCommand() cuts a long cell of wide characters at 60 columns, between characters", async () => {
  await using db = await database();
  const { out } = await sql(
    "SELECT replace(hex(zeroblob(40)), '00', '語') AS t",
    { db: db.url },
    true,
  );
  const cell = out.split("\n")[2]!;
  assert.equal(cell, `${"語".repeat(29)}…`);
});
