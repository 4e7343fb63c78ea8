/**
 * Tables that can change (issue 24, item 3): a processor whose table gains
 * a column; `run` and `process` say the table no longer fits and name
 * `--rebuild`; `sluice process --rebuild` makes the table again and derives
 * every row from the stored answers, sending nothing.
 */
import assert from "node:assert/strict";
import { processCommand } from "../../cli/process.ts";
import { runCommand } from "../../cli/run.ts";
import { withLocalApi } from "../_local_api.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";

const quiet = { log: () => {}, error: () => {} };
const stop = () => new AbortController().signal;

/** A processor module writing `hits` with `columns` (each from the answer's body or URL). */
function processorSource(columns: string[]): string {
  const declared = Object.fromEntries(columns.map((c) => [c, "TEXT"]));
  return `export default {
    tables: { hits: { columns: ${JSON.stringify(declared)}, key: ["key"] } },
    process(answer) {
      const row = { key: answer.key, title: answer.body.title, url: answer.url };
      return { hits: [Object.fromEntries(${JSON.stringify(columns)}.map((c) => [c, row[c]]))] };
    },
  };`;
}

Deno.test("a processor's table gains a column: run and process name --rebuild; process --rebuild derives every row again and sends nothing", async () => {
  await withLocalApi((request) => {
    const q = new URL(request.url).searchParams.get("q");
    return Response.json({ title: `title of ${q}` });
  }, async ({ dir, origin, requests }) => {
    const url = `${origin}/search?q={{q}}`;
    const db = `file:${dir}/s.db`;
    const input = `${dir}/queries.jsonl`;
    await Deno.writeTextFile(input, ["a", "b", "c"].map((q) => `{"q":"${q}"}`).join("\n"));
    const v1 = `${dir}/hits_v1.ts`;
    const v2 = `${dir}/hits_v2.ts`;
    await Deno.writeTextFile(v1, processorSource(["key", "title"]));
    await Deno.writeTextFile(v2, processorSource(["key", "title", "url"]));
    const flags = { db, job: "j", url, rate: "none", quiet: true };
    assert.equal(await runCommand(input, { ...flags, processor: v1 }, quiet, stop()), 0);
    assert.equal(requests(), 3);

    // The table no longer fits: both commands say so and name the way out.
    for (
      const attempt of [
        () => runCommand(input, { ...flags, processor: v2 }, quiet, stop()),
        () => processCommand({ db, job: "j", processor: v2 }, quiet, stop()),
      ]
    ) {
      await assert.rejects(
        attempt(),
        /table hits has no column named url[\s\S]*sluice process --rebuild/,
      );
    }

    // Twice: a second --rebuild (as after a crash midway) ends the same.
    for (let i = 0; i < 2; i++) {
      const code = await processCommand(
        { db, job: "j", processor: v2, rebuild: true, quiet: true },
        quiet,
        stop(),
      );
      assert.equal(code, 0);
    }
    assert.equal(requests(), 3, "nothing sent");
    const client = openSqlClient(db);
    try {
      const rs = await client.query([
        "SELECT key IS NOT NULL, title, url FROM hits ORDER BY title",
      ]);
      assert.deepEqual(
        rs.rows,
        ["a", "b", "c"].map((q) => [1, `title of ${q}`, url.replace("{{q}}", q)]),
      );
      const items = await client.query(["SELECT status, count(*) FROM items GROUP BY status"]);
      assert.deepEqual(items.rows, [["done", 3]]);
    } finally {
      client.close();
    }
    // The job now processes with the new processor: a resume fits.
    assert.equal(await runCommand(undefined, flags, quiet, stop()), 0);
    assert.equal(requests(), 3);
  });
});

Deno.test("--rebuild drops only the tables the schema creates, never sluice's own", async () => {
  await withLocalApi(() => Response.json({ n: 1 }), async ({ dir, origin }) => {
    const db = `file:${dir}/s.db`;
    const input = `${dir}/queries.jsonl`;
    await Deno.writeTextFile(input, '{"q":"a"}\n{"q":"b"}\n');
    const schema = "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY)";
    const code = await runCommand(
      input,
      {
        db,
        job: "j",
        url: `${origin}/?q={{q}}`,
        rate: "none",
        quiet: true,
        schema,
        into: "INSERT OR REPLACE INTO seen VALUES (:key)",
      },
      quiet,
      stop(),
    );
    assert.equal(code, 0);
    const client = openSqlClient(db);
    await client.query(["CREATE TABLE keep (a)", "INSERT INTO keep VALUES (1)"], { write: true });
    try {
      await processCommand(
        {
          db,
          job: "j",
          schema: "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, n INTEGER)",
          into: "INSERT OR REPLACE INTO seen VALUES (:key, :body ->> '$.n')",
          rebuild: true,
          quiet: true,
        },
        quiet,
        stop(),
      );
      const rs = await client.query([
        "SELECT (SELECT count(*) FROM seen WHERE n = 1), (SELECT count(*) FROM keep)," +
        " (SELECT count(*) FROM responses), (SELECT count(*) FROM items)",
      ]);
      assert.deepEqual(rs.rows, [[2, 1, 2, 2]]);
    } finally {
      client.close();
    }
  });
});

Deno.test("--rebuild of one job derives again the rows other jobs keep in the same table, with their own processing", async () => {
  await withLocalApi((request) => {
    return Response.json({ title: `title of ${new URL(request.url).searchParams.get("q")}` });
  }, async ({ dir, origin, requests }) => {
    const url = `${origin}/search?q={{q}}`;
    const db = `file:${dir}/s.db`;
    const v1 = `${dir}/hits_v1.ts`;
    const v2 = `${dir}/hits_v2.ts`;
    await Deno.writeTextFile(v1, processorSource(["key", "title"]));
    await Deno.writeTextFile(v2, processorSource(["key", "title", "url"]));
    // Monday's and Tuesday's queries, two jobs, one table of hits.
    for (const [job, queries] of [["monday", ["a", "b"]], ["tuesday", ["c", "d", "e"]]] as const) {
      const input = `${dir}/${job}.jsonl`;
      await Deno.writeTextFile(input, queries.map((q) => `{"q":"${q}"}`).join("\n"));
      const flags = { db, job, url, rate: "none", quiet: true, processor: v1 };
      assert.equal(await runCommand(input, flags, quiet, stop()), 0);
    }
    const lines: string[] = [];
    const io = { log: () => {}, error: (line: string) => lines.push(line) };
    const code = await processCommand(
      { db, job: "monday", processor: v2, rebuild: true, quiet: true },
      io,
      stop(),
    );
    assert.equal(code, 0, lines.join("\n"));
    assert.equal(requests(), 5, "nothing sent");
    const client = openSqlClient(db);
    try {
      const rs = await client.query(["SELECT title, url IS NOT NULL FROM hits ORDER BY title"]);
      // Tuesday's rows are back, made by Tuesday's processing (which has no url).
      assert.deepEqual(rs.rows, [
        ["title of a", 1],
        ["title of b", 1],
        ["title of c", 0],
        ["title of d", 0],
        ["title of e", 0],
      ]);
    } finally {
      client.close();
    }
    assert.match(lines.join("\n"), /"hits" also holds the rows of job "tuesday"/);
  });
});

Deno.test("a stopped --rebuild says the tables lack rows until the same command runs again", async () => {
  await withLocalApi(() => Response.json({ title: "t" }), async ({ dir, origin }) => {
    const db = `file:${dir}/s.db`;
    const input = `${dir}/q.jsonl`;
    const v1 = `${dir}/hits_v1.ts`;
    await Deno.writeTextFile(v1, processorSource(["key", "title"]));
    await Deno.writeTextFile(input, '{"q":"a"}\n{"q":"b"}\n');
    const url = `${origin}/?q={{q}}`;
    const flags = { db, job: "j", url, rate: "none", quiet: true, processor: v1 };
    assert.equal(await runCommand(input, flags, quiet, stop()), 0);
    const lines: string[] = [];
    const io = { log: () => {}, error: (line: string) => lines.push(line) };
    const code = await processCommand(
      { db, job: "j", processor: v1, rebuild: true, quiet: true },
      io,
      AbortSignal.abort(),
    );
    assert.equal(code, 130);
    assert.equal(
      lines.at(-1),
      "sluice: stopped; 2 answers left unprocessed: run the same command again to process them, " +
        "and the tables made again lack their rows until then",
    );
  });
});
