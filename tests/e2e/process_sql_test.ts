/**
 * `sluice sql` as a process: an aligned table in a terminal (a
 * pseudo-terminal from `script`; skipped, saying why, without one), CSV
 * into a pipe, JSON lines when asked, and a write refused without `--write`.
 */
import assert from "node:assert/strict";
import { commandLine } from "../../cli/shell_quote.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { MAIN, PERMISSIONS, sluice } from "../_sluice_process.ts";

const script = await new Deno.Command("script", { args: ["-qfec", "true", "/dev/null"] }).output()
  .then((out) => out.success ? undefined : "`script` failed", (error) => String(error));
if (script) {
  Deno.stderr.writeSync(
    new TextEncoder().encode(`process_sql_test: TTY test skipped: ${script}\n`),
  );
}

/** A database with a small table of hits; dispose to remove it. */
async function database(): Promise<{ url: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-sql-" });
  const url = `file:${dir}/s.db`;
  const db = openSqlClient(url);
  await db.query([
    "CREATE TABLE hits (key TEXT, rank INTEGER, title TEXT)",
    "INSERT INTO hits VALUES ('q1', 1, 'apple, pie'), ('q1', 2, 'pear'), ('q2', 10, NULL)",
  ], { write: true });
  db.close();
  return { url, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

const QUERY = "SELECT key, rank, title FROM hits ORDER BY key, rank";

Deno.test({
  name: "sluice sql prints an aligned table in a terminal",
  ignore: script !== undefined,
  async fn() {
    await using db = await database();
    const command = commandLine(Deno.execPath(), [
      "run",
      ...PERMISSIONS,
      MAIN,
      "sql",
      "--db",
      db.url,
      QUERY,
    ]);
    const out = await new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n");
    assert.ok(out.success, text);
    assert.ok(
      text.includes(
        [
          "key  rank  title",
          "---  ----  ----------",
          "q1      1  apple, pie",
          "q1      2  pear",
          "q2     10  NULL",
        ].join("\n"),
      ),
      text,
    );
    assert.match(text, /\(3 rows\)/);
  },
});

Deno.test("sluice sql prints CSV into a pipe, JSON lines when asked", async () => {
  await using db = await database();
  const csv = await sluice(["sql", "--db", db.url, QUERY]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout, 'key,rank,title\nq1,1,"apple, pie"\nq1,2,pear\nq2,10,\n');
  const jsonl = await sluice(["sql", "--db", db.url, QUERY, "--format", "jsonl"]);
  assert.deepEqual(jsonl.stdout.trimEnd().split("\n").map((line) => JSON.parse(line)), [
    { key: "q1", rank: 1, title: "apple, pie" },
    { key: "q1", rank: 2, title: "pear" },
    { key: "q2", rank: 10, title: null },
  ]);
});

Deno.test("sluice sql refuses a write without --write (exit 2), and writes with it", async () => {
  await using db = await database();
  const refused = await sluice(["sql", "--db", db.url, "DELETE FROM hits"]);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /sluice sql: refused by the SQL sandbox \(read-only unless --write\): DELETE writes/,
  );
  assert.equal(
    (await sluice(["sql", "--db", db.url, "SELECT count(*) AS n FROM hits"])).stdout,
    "n\n3\n",
  );
  const written = await sluice([
    "sql",
    "--db",
    db.url,
    "--write",
    "DELETE FROM hits WHERE rank > 1",
  ]);
  assert.equal(written.code, 0, written.stderr);
  assert.match(written.stderr, /2 rows changed/);
  assert.equal(
    (await sluice(["sql", "--db", db.url, "SELECT count(*) AS n FROM hits"])).stdout,
    "n\n1\n",
  );
});
