import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { readJsonArray } from "../../lib/job/read_json_array.ts";
import { chunked } from "./_chunked.ts";

Deno.test("readJsonArray() gives nested values whole, each with the line it starts on", async () => {
  const text = '[\n {"q": [1,\n 2], "o": {"a": {}}},\n\n {"q": "x"}]';
  for (const size of [1, 3, 100]) {
    assert.deepEqual(await Array.fromAsync(readJsonArray(chunked(text, size), "q.json")), [
      { vars: { q: [1, 2], o: { a: {} } }, line: 2 },
      { vars: { q: "x" }, line: 5 },
    ], `chunks of ${size}`);
  }
});

Deno.test("readJsonArray() in a job file reads only the queries array", async () => {
  const text = '{\n "tags": [{"no": 1}],\n "queries": [\n  {"q": 1}\n ],\n "after": [2]\n}';
  const records = await Array.fromAsync(
    readJsonArray(chunked(text), "job.json", { inJobFile: true }),
  );
  assert.deepEqual(records, [{ vars: { q: 1 }, line: 4 }]);
});

Deno.test("readJsonArray() reports an input that ends too soon", async () => {
  await assert.rejects(
    Array.fromAsync(readJsonArray(chunked('[{"q":1},\n{"q"'), "cut.json")),
    (err: unknown) => err instanceof InputError && err.line === 2,
  );
});

Deno.test("readJsonArray() stops with the signal's reason", async () => {
  const stop = new AbortController();
  stop.abort(new Error("stop"));
  await assert.rejects(
    Array.fromAsync(readJsonArray(chunked('[{"q":1}]'), "q.json", { signal: stop.signal })),
    { message: "stop" },
  );
});
