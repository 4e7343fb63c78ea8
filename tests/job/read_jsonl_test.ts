import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { readJsonl } from "../../lib/job/read_jsonl.ts";
import { chunked } from "./_chunked.ts";

Deno.test("readJsonl() reads lines split across chunks, CRLF endings and a last line without one", async () => {
  const text = '{"q":"é"}\r\n\n{"q":"b"}\n{"q":"c"}';
  for (const size of [1, 2, 4, 100]) {
    const records = await Array.fromAsync(readJsonl(chunked(text, size), "q.jsonl"));
    assert.deepEqual(records, [
      { vars: { q: "é" }, line: 1 },
      { vars: { q: "b" }, line: 3 },
      { vars: { q: "c" }, line: 4 },
    ], `chunks of ${size}`);
  }
});

Deno.test("readJsonl() reports a bad line with its file and line, after the good ones", async () => {
  const seen: number[] = [];
  await assert.rejects(
    async () => {
      for await (const record of readJsonl(chunked('{"q":1}\n\n{"q":\n'), "bad.jsonl")) {
        seen.push(record.line);
      }
    },
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.file, "bad.jsonl");
      assert.equal(err.line, 3);
      assert.ok(err.cause instanceof SyntaxError);
      return true;
    },
  );
  assert.deepEqual(seen, [1]);
});

Deno.test("readJsonl() stops with the signal's reason", async () => {
  const stop = new AbortController();
  stop.abort(new Error("stop"));
  await assert.rejects(
    Array.fromAsync(readJsonl(chunked('{"q":1}\n'), "q.jsonl", { signal: stop.signal })),
    { message: "stop" },
  );
});
