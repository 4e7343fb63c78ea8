import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { exportCommand } from "../../cli/export.ts";
import { InputError } from "../../lib/errors.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { openStore } from "../../lib/store/store.ts";
import { outcome, response } from "../store/_fixtures.ts";

/** A database file with one job of two answered queries and a table of hits; dispose to remove it. */
async function database(): Promise<{ url: string } & AsyncDisposable> {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const url = `file:${path}`;
  const store = await openStore(url);
  const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
  await store.queue.importItems(job.id, [
    [0, "a", JSON.stringify({ id: "a", q: "pie", filter: { lang: "en" } })],
    [1, "b", JSON.stringify({ id: "b", q: "tart, plum", tags: ["x", "y"] })],
  ], 0);
  const claimed = await store.queue.claim(job.id, "me", 2, 0, 60_000);
  await store.results.write(
    "me",
    job.id,
    claimed.map((item) => outcome(item.id, { response: response(item.seq, '{"n":1}') })),
    1,
  );
  store.close();
  const db = openSqlClient(url);
  await db.query([
    "CREATE TABLE hits (key TEXT, rank INTEGER, title TEXT, PRIMARY KEY (key, rank)) WITHOUT ROWID",
    "INSERT INTO hits VALUES ('a', 1, 'one'), ('a', 2, 'two, with a comma'), ('b', 1, NULL)",
    "CREATE VIEW firsts AS SELECT key, title FROM hits WHERE rank = 1",
    "CREATE TABLE big (n INTEGER)",
    `INSERT INTO big WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2500)
     SELECT n FROM c`,
  ], { write: true });
  db.close();
  return {
    url,
    [Symbol.asyncDispose]: async () => {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
    },
  };
}

async function exported(flags: Parameters<typeof exportCommand>[0]): Promise<string> {
  let text = "";
  await exportCommand(flags, {
    write: (
      p,
    ) => (text += new TextDecoder("utf-8", { ignoreBOM: true }).decode(p),
      Promise.resolve(p.length)),
  });
  return text;
}

Deno.test("exportCommand() with --table writes any table or view, as CSV or JSON lines", async () => {
  await using db = await database();
  assert.deepEqual(parse(await exported({ db: db.url, table: "hits", format: "csv" })), [
    ["key", "rank", "title"],
    ["a", "1", "one"],
    ["a", "2", "two, with a comma"],
    ["b", "1", ""],
  ]);
  assert.deepEqual(
    (await exported({ db: db.url, table: "firsts" })).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    ),
    [{ key: "a", title: "one" }, { key: "b", title: null }],
  );
  // Page after page, each row once.
  const big = (await exported({ db: db.url, table: "big", format: "csv" })).trimEnd().split("\n");
  assert.equal(big.length, 2501);
  assert.equal(new Set(big).size, 2501);
  // Named as SQLite names tables: HITS is hits.
  assert.equal(
    await exported({ db: db.url, table: "HITS", format: "csv" }),
    await exported({ db: db.url, table: "hits", format: "csv" }),
  );
  await assert.rejects(
    exported({ db: db.url, table: "nope" }),
    (error: Error) =>
      error instanceof InputError && /No table or view named "nope"/.test(error.message),
  );
});

Deno.test("exportCommand() as CSV has a column per query field, nested ones dotted", async () => {
  await using db = await database();
  const rows = parse(await exported({ db: db.url, format: "csv" })) as string[][];
  assert.deepEqual(rows[0], [
    "key",
    "page",
    "seq",
    "state",
    "status",
    "attempts",
    "error",
    "url",
    "body",
    "body_encoding",
    "vars.id",
    "vars.q",
    "vars.filter.lang",
    "vars.tags",
  ]);
  assert.deepEqual(rows[1]!.slice(10), ["a", "pie", "en", ""]);
  assert.deepEqual(rows[2]!.slice(10), ["b", "tart, plum", "", '["x","y"]']);
});

Deno.test("exportCommand() --bom starts CSV with a UTF-8 BOM; --table neutralizes formulas unless --csv-raw", async () => {
  await using db = await database();
  const csv = await exported({ db: db.url, format: "csv", bom: true });
  assert.ok(csv.startsWith("\uFEFFkey,page,seq,"), csv.slice(0, 20));
  const table = await exported({ db: db.url, format: "csv", table: "hits", bom: true });
  assert.ok(table.startsWith("\uFEFFkey,rank,title\n"), table);
  await assert.rejects(
    exported({ db: db.url, format: "jsonl", bom: true }),
    /Cannot use --bom with --format jsonl: it is for CSV output/,
  );
  const client = openSqlClient(db.url);
  await client.query(["INSERT INTO hits VALUES ('c', -3, '=1+2')"], { write: true });
  client.close();
  const rows = parse(await exported({ db: db.url, format: "csv", table: "hits" })) as string[][];
  assert.deepEqual(rows.find((r) => r[0] === "c"), ["c", "-3", "'=1+2"]);
  const raw = parse(await exported({ db: db.url, format: "csv", table: "hits", csvRaw: true }));
  assert.deepEqual((raw as string[][]).find((r) => r[0] === "c"), ["c", "-3", "=1+2"]);
});

Deno.test("export --format jsonl keeps as text an answer whose numbers JSON.parse would change (1e400 written null, 1e-400 as 0)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const url = `file:${path}`;
  try {
    const store = await openStore(url);
    const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
    await store.queue.importItems(job.id, [
      [0, "out", JSON.stringify({ id: "out" })],
      [1, "in", JSON.stringify({ id: "in" })],
    ], 0);
    const claimed = await store.queue.claim(job.id, "me", 2, 0, 60_000);
    const bodies: Record<string, string> = {
      out: '{"big": 1e400, "tiny": -1E-400, "id": 12345678901234567890}',
      in: '{"n": 1e300, "m": 2.5E-300, "id": 12345678901234567890}',
    };
    await store.results.write(
      "me",
      job.id,
      claimed.map((item) => outcome(item.id, { response: response(item.seq, bodies[item.key]!) })),
      1,
    );
    store.close();
    const chunks: Uint8Array[] = [];
    const output = {
      write: (p: Uint8Array) => Promise.resolve(chunks.push(p.slice()) && p.length),
    };
    assert.equal(await exportCommand({ db: url, format: "jsonl" }, output), 0);
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    const lines = text.trim().split("\n");
    const line = (key: string) => lines.find((l) => l.startsWith(`{"key":"${key}"`))!;
    // As the server wrote it: nothing JSON can carry is changed on the way out.
    assert.equal(JSON.parse(line("out")).body, bodies.out);
    assert.match(line("in"), /"body":\{"n":1e\+300,"m":2\.5e-300,"id":12345678901234567890\}/);
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
  }
});
