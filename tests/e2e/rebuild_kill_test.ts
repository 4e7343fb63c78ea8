/**
 * An interrupted `sluice process --rebuild` is impossible to miss: after a
 * kill -9 between the drop and the last row, `status` says the rebuild did
 * not finish and names the command that finishes it, `run` and `process`
 * refuse (exit 2) naming it, and a second `--rebuild` makes the tables whole.
 */
import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { processCommand } from "../../cli/process.ts";
import { runCommand } from "../../cli/run.ts";
import { statusCommand } from "../../cli/status.ts";
import { withLocalApi } from "../_local_api.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { SluiceProcess } from "../_sluice_process.ts";

const quiet = { log: () => {}, error: () => {} };
const stop = () => new AbortController().signal;

const TABLES = `tables: { hits: { columns: { key: "TEXT", title: "TEXT" }, key: ["key"] } }`;
/** Writes `hits` from each answer. */
const PROCESSOR = `export default {
  ${TABLES},
  process: (answer) => ({ hits: [{ key: answer.key, title: answer.body.title }] }),
};`;
/** Never settles: a rebuild with it is under way until it is killed. */
const HANGING = `export default { ${TABLES}, process: () => new Promise(() => {}) };`;

async function statusLines(db: string): Promise<string> {
  const lines: string[] = [];
  await statusCommand({ db }, { log: (line) => lines.push(line), error: () => {} });
  return lines.join("\n");
}

Deno.test("process --rebuild killed -9 midway: status says so, run and process refuse naming --rebuild, a second --rebuild finishes it", async () => {
  await withLocalApi((request) => {
    return Response.json({ title: `title of ${new URL(request.url).searchParams.get("q")}` });
  }, async ({ dir, origin, requests }) => {
    const db = `file:${dir}/s.db`;
    const input = `${dir}/q.jsonl`;
    const processor = `${dir}/hits.ts`;
    const hanging = `${dir}/hanging.ts`;
    await Deno.writeTextFile(input, ["a", "b", "c"].map((q) => `{"q":"${q}"}`).join("\n"));
    await Deno.writeTextFile(processor, PROCESSOR);
    await Deno.writeTextFile(hanging, HANGING);
    const url = `${origin}/?q={{q}}`;
    const flags = { db, job: "j", url, rate: "none", quiet: true };
    assert.equal(await runCommand(input, { ...flags, processor }, quiet, stop()), 0);
    // Another job whose rows are in the same table: the rebuild drops them too.
    const tuesday = { ...flags, job: "tuesday" };
    await Deno.writeTextFile(`${dir}/tuesday.jsonl`, '{"q":"d"}\n{"q":"e"}\n');
    assert.equal(
      await runCommand(`${dir}/tuesday.jsonl`, { ...tuesday, processor }, quiet, stop()),
      0,
    );

    const child = new SluiceProcess([
      "process",
      "--db",
      db,
      "--job",
      "j",
      "--processor",
      hanging,
      "--rebuild",
    ]);
    // Printed once the tables are dropped and made again, before the first row goes in.
    await child.waitFor(/tables made again; processing 3 stored answers/);
    child.kill("SIGKILL");
    assert.equal((await child.exited).signal, "SIGKILL");
    const client = openSqlClient(db);
    try {
      const rs = await client.query(["SELECT count(*) FROM hits"]);
      assert.deepEqual(rs.rows, [[0]], "the kill left the table empty");
    } finally {
      client.close();
    }

    const finish = `sluice process --db ${db} --job j --rebuild`;
    const named = new RegExp(`did not finish[\\s\\S]*${finish.replace(/[.]/g, "\\.")}`);
    const status = await statusLines(db);
    assert.match(status, named);
    assert.match(status, /job "j"'s tables, which hold job "tuesday"'s rows too, did not finish/);
    for (
      const attempt of [
        () => runCommand(undefined, flags, quiet, stop()),
        () => runCommand(undefined, tuesday, quiet, stop()),
        () => processCommand({ db, job: "tuesday", rebuild: true, quiet: true }, quiet, stop()),
        () => processCommand({ db, job: "j", processor, quiet: true }, quiet, stop()),
      ]
    ) {
      await assert.rejects(
        attempt(),
        (error) => error instanceof InputError && named.test(error.message),
      );
    }

    const code = await processCommand(
      { db, job: "j", processor, rebuild: true, quiet: true },
      quiet,
      stop(),
    );
    assert.equal(code, 0);
    const after = openSqlClient(db);
    try {
      const rs = await after.query(["SELECT title FROM hits ORDER BY title"]);
      assert.deepEqual(rs.rows, ["a", "b", "c", "d", "e"].map((q) => [`title of ${q}`]));
    } finally {
      after.close();
    }
    assert.doesNotMatch(await statusLines(db), /did not finish/);
    assert.equal(await runCommand(undefined, flags, quiet, stop()), 0);
    assert.equal(await runCommand(undefined, tuesday, quiet, stop()), 0);
    assert.equal(requests(), 5, "nothing sent again");
  });
});
