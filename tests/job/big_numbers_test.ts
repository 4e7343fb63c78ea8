// Ids and numbers beyond 2^53 keep their exact text from every input format
// to the item's key, its stored variables and the rendered body (issue 9, item 4).
import assert from "node:assert/strict";
import { itemKey } from "../../lib/job/item_key.ts";
import { readCsv } from "../../lib/job/read_csv.ts";
import { readJobFile } from "../../lib/job/read_job_file.ts";
import { readJsonArray } from "../../lib/job/read_json_array.ts";
import { readJsonl } from "../../lib/job/read_jsonl.ts";
import type { QueryRecord } from "../../lib/job/query_record.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { chunked } from "./_chunked.ts";

const A = "12345678901234567890";
const B = "12345678901234567891";
const noEnv = () => undefined;

/** Keys, stored variables and rendered bodies of the records, in order. */
function whatIsKept(records: QueryRecord[]) {
  const template = compileTemplate({ url: "https://x.test/{{id}}", body: '{"id":"{{id}}"}' });
  return records.map(({ vars }) => {
    const request = template.render(vars, noEnv);
    return {
      key: itemKey(vars),
      stored: JSON.stringify(vars),
      url: request.url,
      body: request.body,
    };
  });
}

Deno.test("readJsonl() keeps ids beyond 2^53 exact: two keys, exact stored vars and bodies", async () => {
  const text = `{"id":${A},"q":"a"}\n{"id":${B},"q":"b"}\n`;
  for (const size of [3, 1000]) {
    const kept = whatIsKept(await Array.fromAsync(readJsonl(chunked(text, size), "q.jsonl")));
    assert.deepEqual(kept, [
      { key: A, stored: `{"id":${A},"q":"a"}`, url: `https://x.test/${A}`, body: `{"id":${A}}` },
      { key: B, stored: `{"id":${B},"q":"b"}`, url: `https://x.test/${B}`, body: `{"id":${B}}` },
    ]);
  }
});

Deno.test("readJsonArray() keeps ids beyond 2^53 exact, split across chunks too", async () => {
  const text = `[\n{"id":${A},"n":[${B}]},\n{"id":${B},"n":[1.5]}\n]`;
  for (const size of [1, 5, 1000]) {
    const records = await Array.fromAsync(readJsonArray(chunked(text, size), "q.json"));
    assert.deepEqual(records.map((r) => r.line), [2, 3]);
    assert.deepEqual(whatIsKept(records), [
      { key: A, stored: `{"id":${A},"n":[${B}]}`, url: `https://x.test/${A}`, body: `{"id":${A}}` },
      { key: B, stored: `{"id":${B},"n":[1.5]}`, url: `https://x.test/${B}`, body: `{"id":${B}}` },
    ], `chunks of ${size}`);
  }
});

Deno.test("readJobFile() keeps ids beyond 2^53 exact in queries and in a JSON body template", async () => {
  const text = `{"request": {"url": "https://x.test/", "body": {"id": "{{id}}", "tenant": ${B}}},
    "rate": "5/s", "queries": [{"id": ${A}}, {"id": ${B}}]}`;
  const job = await readJobFile(new TextEncoder().encode(text), "job.json");
  assert.deepEqual(job.queries.map((q) => itemKey(q.vars)), [A, B]);
  assert.equal(job.settings.rate, "5/s");
  const template = compileTemplate(job.settings.request!);
  assert.equal(template.render(job.queries[0]!.vars, noEnv).body, `{"id":${A},"tenant":${B}}`);
});

Deno.test("readCsv() keeps ids as strings: two keys, the digits sent as a JSON string", async () => {
  const text = `id,q\n${A},a\n${B},b\n`;
  const kept = whatIsKept(await Array.fromAsync(readCsv(chunked(text), "q.csv")));
  assert.deepEqual(kept.map((k) => k.key), [A, B]);
  assert.deepEqual(kept.map((k) => k.body), [`{"id":"${A}"}`, `{"id":"${B}"}`]);
});

Deno.test("compileTemplate() keeps a long literal number in a body template with placeholders", () => {
  const template = compileTemplate({
    url: "https://x.test/",
    body: `{"q":"{{q}}","tenant":${A}}`,
  });
  assert.equal(template.render({ q: "x" }, noEnv).body, `{"q":"x","tenant":${A}}`);
});

Deno.test("readJsonl() rejects a line that is a long number, not an object", async () => {
  await assert.rejects(Array.fromAsync(readJsonl(chunked(`${A}\n`), "q.jsonl")), {
    name: "InputError",
    message: "q.jsonl:1: Cannot use a query as an object: got a number",
  });
});
