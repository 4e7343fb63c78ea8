import assert from "node:assert/strict";
import { sniffFormat } from "../../lib/job/sniff_format.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("sniffFormat() tells the format of a whole input", () => {
  const cases: [string, string][] = [
    ['[{"q":1}]', "json"],
    ['\uFEFF \n [{"q":1}]', "json"],
    ['{"q":1}\n{"q":2}\n', "jsonl"],
    ['{"q":1}\n', "jsonl"],
    ['{"q":1}', "jsonl"],
    ['{"queries":[{"q":1}]}', "job"],
    ['{\n "queries": [{"q":1}]\n}', "job"],
    ['{"rate": 2, "queries": [{"q":1}]}\n', "job"],
    ["q,n\n1,2\n", "csv"],
    ["", "jsonl"],
    [" \n", "jsonl"],
  ];
  for (const [text, format] of cases) {
    assert.equal(sniffFormat(bytes(text), true, false), format, text);
  }
});

Deno.test("sniffFormat() asks for more bytes until it can tell", () => {
  assert.equal(sniffFormat(bytes(""), false, false), undefined);
  assert.equal(sniffFormat(bytes("  "), false, false), undefined);
  assert.equal(sniffFormat(bytes('{"q":1'), false, false), undefined);
  assert.equal(sniffFormat(bytes('{"q":1}\n'), false, false), undefined);
  assert.equal(sniffFormat(bytes('{"q":1}\n{'), false, false), "jsonl");
  assert.equal(sniffFormat(bytes('{"q":1}\n"x"'), false, false), "job");
  assert.equal(sniffFormat(bytes("[\n"), false, false), "json");
});

Deno.test("sniffFormat() takes a first MiB without a line break for a job file", () => {
  const long = bytes(`{"queries": [${'{"q":1},'.repeat(150_000)}`);
  assert.ok(long.length > 1 << 20);
  assert.equal(sniffFormat(long, false, false), "job");
});

Deno.test("sniffFormat() reads a first line that is not JSON as the start of a job file", () => {
  assert.equal(sniffFormat(bytes('{\n "queries": []}'), false, false), "job");
});

Deno.test("sniffFormat() knows a .json file is an array or a job file", () => {
  assert.equal(sniffFormat(bytes('[{"q":1}]'), false, true), "json");
  assert.equal(sniffFormat(bytes('{"q":1}\n{"q":2}\n'), false, true), "job");
  assert.equal(sniffFormat(bytes(""), true, true), "job");
});
