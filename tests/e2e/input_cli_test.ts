/**
 * Input as people have it, through the command line: encodings, what the
 * database cannot hold, CSV dialects, bad rows, and `plan`'s report. Each
 * refusal is exit 2 with file and line, nothing sent, no database left.
 *
 * @module
 */
import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { openStore } from "../../lib/store/store.ts";
import { inTempDir, sluice } from "../security/_cli.ts";

/** A mock API for `fn`, shut down after; `requests()` counts what it received. */
async function withMock(fn: (url: string, requests: () => number) => Promise<void>) {
  const mock = serveMockApi({ port: 0 });
  try {
    await fn(`http://127.0.0.1:${mock.port}/search`, () => mock.api.stats.requests);
  } finally {
    await mock.shutdown();
  }
}

/** The queries the mock API answered, from the answers stored in the database at `path`. */
async function answeredQueries(path: string): Promise<string[]> {
  const store = await openStore(`file:${path}`);
  try {
    const [job] = await store.jobs.list();
    const rows = await Array.fromAsync(store.reports.exportRows(job!.id));
    return rows.map((row) => JSON.parse(String(row.body)).query).sort();
  } finally {
    store.close();
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const BODY = '{"q":"{{q}}"}';

Deno.test("a Latin-1 CSV is refused with its line, and read right with --encoding latin1", async () => {
  await inTempDir((dir) =>
    withMock(async (url, requests) => {
      await Deno.writeFile(`${dir}/q.csv`, latin1("q\ncafé\ncafè\n"));
      const args = ["q.csv", "--url", url, "--body", BODY, "--rate", "none", "--db", "a.db"];
      const refused = await sluice(dir, ["run", ...args]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /q\.csv:2: Cannot read input as UTF-8: byte 0xE9 at offset 5/);
      assert.match(refused.stderr, /--encoding/);
      assert.equal(requests(), 0);
      assert.equal(await exists(`${dir}/a.db`), false);
      const plan = await sluice(dir, ["plan", "q.csv", "--url", url, "--body", BODY]);
      assert.equal(plan.code, 2, plan.stderr);
      assert.match(plan.stderr, /q\.csv:2: Cannot read input as UTF-8/);

      const run = await sluice(dir, ["run", ...args, "--encoding", "latin1"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /2 items imported/);
      assert.deepEqual(await answeredQueries(`${dir}/a.db`), ["cafè", "café"]);
    })
  );
});

Deno.test("an unknown --encoding is refused before anything is read", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/q.jsonl`, '{"q":"a"}\n');
    const out = await sluice(dir, [
      "run",
      "q.jsonl",
      "--url",
      "http://127.0.0.1:9/",
      "--encoding",
      "martian",
      "--db",
      "a.db",
    ]);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /Cannot read input as 'martian': not an encoding TextDecoder knows/);
    assert.equal(await exists(`${dir}/a.db`), false);
  });
});

Deno.test("a query nested beyond the database's JSON depth, or 1e400, is refused at import", async () => {
  await inTempDir((dir) =>
    withMock(async (url, requests) => {
      const deep = `{"q":"a","deep":${"[".repeat(1000)}${"]".repeat(1000)}}`;
      const cases: [string, RegExp][] = [
        [deep, /q\.jsonl:2 \(field "deep"\): Cannot store a value nested deeper than 1000 levels/],
        ['{"q":"b","id":1e400}', /q\.jsonl:2 \(field "id"\): Cannot store a number beyond/],
      ];
      for (const [line, message] of cases) {
        await Deno.writeTextFile(`${dir}/q.jsonl`, `{"q":"fine"}\n${line}\n`);
        for (const command of [["run", "--db", "a.db"], ["plan"]]) {
          const out = await sluice(dir, [...command, "q.jsonl", "--url", url]);
          assert.equal(out.code, 2, out.stderr);
          assert.match(out.stderr, message);
        }
        assert.equal(requests(), 0);
        assert.equal(await exists(`${dir}/a.db`), false);
      }
    })
  );
});
