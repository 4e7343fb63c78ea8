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

Deno.test("semicolon and tab CSVs are read with their delimiter, a stray quote as text", async () => {
  await inTempDir((dir) =>
    withMock(async (url) => {
      const files: [string, string][] = [
        ["semi.csv", 'id;q\n1;cheap flights, paris\n2;the 5" screen\n'],
        ["tab.csv", 'id\tq\n1\tcheap flights, paris\n2\tthe 5" screen\n'],
      ];
      for (const [name, text] of files) {
        await Deno.writeTextFile(`${dir}/${name}`, text);
        const db = `${name}.db`;
        const out = await sluice(dir, ["run", name, "--url", url, "--body", BODY, "--db", db]);
        assert.equal(out.code, 0, out.stderr);
        assert.deepEqual(await answeredQueries(`${dir}/${db}`), [
          "cheap flights, paris",
          'the 5" screen',
        ]);
      }
    })
  );
});

Deno.test("a CSV split at the wrong delimiter names the header's fields and the likely delimiter", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/q.csv`, "id;query\n1;a\n2;b\n");
    for (const command of [["run", "--db", "a.db"], ["plan"]]) {
      const out = await sluice(dir, [
        ...command,
        "q.csv",
        "--url",
        "http://127.0.0.1:9/?q={{query}}",
        "--csv-delimiter",
        ",",
      ]);
      assert.equal(out.code, 2, out.stderr);
      assert.match(
        out.stderr,
        /q\.csv:2 \(field "query"\): query has no field "query" used by the request template; 2 queries lack a template field \(lines 2, 3\); the CSV header, split at ",", has 1 field: "id;query"\. Is the delimiter ";"\? Pass --csv-delimiter ';'/,
      );
    }
    assert.equal(await exists(`${dir}/a.db`), false);
  });
});

Deno.test("a row with too many fields stops run before anything is sent, or is skipped and listed", async () => {
  await inTempDir((dir) =>
    withMock(async (url, requests) => {
      await Deno.writeTextFile(`${dir}/q.csv`, 'id,q\n1,a\n2,b,oops\n3,c\n4,"d\n5,e\n');
      const args = ["q.csv", "--url", url, "--body", BODY, "--db", "a.db"];
      const refused = await sluice(dir, ["run", ...args]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /^sluice: error: q\.csv:3: Cannot read row as the header's 2 fields: it has 3\n/,
      );
      assert.equal(requests(), 0);
      assert.equal(await exists(`${dir}/a.db`), false);
      // plan too stops there, before it prints any request.
      const plan = await sluice(dir, ["plan", "q.csv", "--url", url, "--body", BODY]);
      assert.equal(plan.code, 2, plan.stderr);
      assert.equal(plan.stdout, "");
      assert.match(plan.stderr, /q\.csv:3: Cannot read row as the header's 2 fields: it has 3/);

      const run = await sluice(dir, ["run", ...args, "--skip-bad-rows"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /3 items imported/);
      const listed = [
        "2 rows skipped (--skip-bad-rows):",
        "  q.csv:3: Cannot read row as the header's 2 fields: it has 3",
        "  q.csv:5: Cannot read row: a quote opened on this line is never closed",
      ].join("\n");
      // Warned at import, listed again in the summary.
      assert.ok(run.stderr.includes(`sluice: warning: ${listed}\n`), run.stderr);
      const summary = run.stderr.slice(run.stderr.indexOf("sluice: 3/3 done"));
      assert.ok(summary.includes(listed.replaceAll(/^/gm, "  ")), run.stderr);
      assert.deepEqual(await answeredQueries(`${dir}/a.db`), ["a", "c", "e"]);

      // `status` lists them after the run.
      const status = await sluice(dir, ["status", "--db", "a.db"]);
      assert.ok(status.stdout.includes(listed.replaceAll(/^/gm, "  ")), status.stdout);
      const json = JSON.parse((await sluice(dir, ["status", "--db", "a.db", "--json"])).stdout);
      assert.deepEqual(json.jobs[0].skippedRows, {
        count: 2,
        first: [
          { file: "q.csv", line: 3, reason: "Cannot read row as the header's 2 fields: it has 3" },
          {
            file: "q.csv",
            line: 5,
            reason: "Cannot read row: a quote opened on this line is never closed",
          },
        ],
      });
    })
  );
});

Deno.test("plan reports duplicates, empty and missing fields, hosts and duration; run warns alike", async () => {
  await inTempDir((dir) =>
    withMock(async (url, requests) => {
      const rows = [
        { id: "1", q: "apple" },
        { id: "2", q: "" },
        { id: "1", q: "apple" }, // line 3: the same query again
        { id: "3", q: "  " }, // line 4: blank
        { id: "2", q: "pear" }, // line 5: key of line 2, other fields
        { id: "4", q: "fig" },
      ];
      await Deno.writeTextFile(`${dir}/q.jsonl`, rows.map((r) => JSON.stringify(r)).join("\n"));
      const request = ["--url", url, "--body", BODY, "--rate", "2/s"];
      const plan = await sluice(dir, ["plan", "q.jsonl", ...request, "--show", "1"]);
      assert.equal(plan.code, 0, plan.stderr);
      const host = new URL(url).host;
      assert.equal(
        plan.stdout,
        [
          `POST ${url}`,
          "content-type: application/json",
          '{"q":"apple"}',
          "",
          "6 queries in q.jsonl (jsonl), 4 distinct keys",
          '  2 duplicate keys, skipped by run (1 with other fields): q.jsonl:3 key "1" ' +
          '(first: line 1), q.jsonl:5 key "2" (first: line 2, fields differ)',
          "  2 queries have an empty value in a field the request template uses " +
          '("q"): q.jsonl:2, q.jsonl:4',
          `  host: ${host}`,
          "  rate 2/s, concurrency 16; at least 2s at full rate",
          "",
        ].join("\n"),
      );
      assert.equal(requests(), 0);

      // A missing field no longer stops plan at the first one: all are counted, then exit 2.
      await Deno.writeTextFile(`${dir}/m.jsonl`, '{"q":"a"}\n{"x":1}\n{"q":"b"}\n{"y":2}\n');
      const missing = await sluice(dir, ["plan", "m.jsonl", ...request]);
      assert.equal(missing.code, 2);
      assert.match(
        missing.stdout,
        /2 queries lack a field the request template uses \("q"\): m\.jsonl:2, m\.jsonl:4; run refuses the input/,
      );
      assert.match(missing.stderr, /m\.jsonl:2 \(field "q"\): query has no field "q"/);
      const skipping = await sluice(dir, ["plan", "m.jsonl", ...request, "--skip-bad-rows"]);
      assert.equal(skipping.code, 0, skipping.stderr);
      assert.match(skipping.stdout, /skipped by --skip-bad-rows/);
      assert.match(
        skipping.stdout,
        / {2}m\.jsonl:4: query has no field "q" used by the request template/,
      );

      // run prints the same warnings at import; the empty query then fails, as plan warned.
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        ...request,
        "--rate",
        "none",
        "--db",
        "a.db",
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /1 × http 400/);
      assert.match(
        run.stderr,
        /sluice: warning: 2 queries have an empty value in a field the request template uses \("q"\): q\.jsonl:2, q\.jsonl:4/,
      );
      assert.match(run.stderr, /q\.jsonl:5 key "2" \(kept: q\.jsonl:2\)/);
    })
  );
});
