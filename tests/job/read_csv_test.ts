import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { readCsv } from "../../lib/job/read_csv.ts";
import { chunked } from "./_chunked.ts";

Deno.test("readCsv() gives each record the line it starts on", async () => {
  const text = 'q,n\r\n\r\n"multi\nline",1\n\nz,2';
  const records = await Array.fromAsync(readCsv(chunked(text, 2), "q.csv"));
  assert.deepEqual(records, [
    { vars: { q: "multi\nline", n: "1" }, line: 3 },
    { vars: { q: "z", n: "2" }, line: 6 },
  ]);
});

Deno.test("readCsv() names the line an unclosed quote opened on", async () => {
  await assert.rejects(
    Array.fromAsync(readCsv(chunked('q,n\na,1\n\nb,"2\nc,3\n'), "q.csv")),
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.line, 4);
      assert.ok(!/line \d+$/.test(err.message), err.message);
      return true;
    },
  );
});

Deno.test("readCsv() reads a header-only file as no queries", async () => {
  assert.deepEqual(await Array.fromAsync(readCsv(chunked("q,n\n"), "q.csv")), []);
});
