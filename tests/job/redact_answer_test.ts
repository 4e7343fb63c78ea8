import assert from "node:assert/strict";
import { MIN_ANSWER_SECRET, redactAnswer } from "../../lib/job/redact_answer.ts";

Deno.test("redactAnswer() replaces a secret an answer echoes in every spelling of an echo", () => {
  const secret = "k\"e\\y/it's ä+b";
  const json = JSON.stringify(secret).slice(1, -1); // k\"e\\y/it's ä+b
  const spellings = [
    secret, // a parsed echo (httpbin's `json`, `headers`)
    json, // in a JSON string
    json.replaceAll("/", "\\/"), // PHP escapes slashes
    json.replace("ä", "\\u00e4"), // Python's json.dumps writes \u escapes
    JSON.stringify(json).slice(1, -1), // a JSON body echoed as a string (httpbin's `data`)
    encodeURIComponent(secret), // an echoed URL
    encodeURIComponent(secret).replaceAll("%20", "+"), // an echoed form
  ];
  for (const spelling of spellings) {
    assert.equal(
      redactAnswer(`{"x":"${spelling}","n":1}`, [secret]),
      '{"x":"***","n":1}',
      spelling,
    );
  }
});

Deno.test("redactAnswer() replaces every secret, the longest first, and leaves short ones", () => {
  const body = "token=abcd1234; id=abcd; code=xyz; region=eu";
  assert.equal(
    redactAnswer(body, ["abcd", "abcd1234", "xyz", "eu"]),
    "token=***; id=***; code=xyz; region=eu",
  );
  assert.equal(MIN_ANSWER_SECRET, 4);
  assert.equal(redactAnswer("a xyz b", ["xyz"]), "a xyz b");
});

Deno.test("redactAnswer() returns the body itself when it holds no secret, or there are none", () => {
  const body = JSON.stringify({ results: ["apple pie", "pear tart"] });
  assert.equal(redactAnswer(body, []), body);
  assert.equal(redactAnswer(body, undefined), body);
  assert.equal(redactAnswer(body, ["s3cr3t-t0ken"]), body);
  const bytes = new Uint8Array([0, 1, 2, 255]);
  assert.equal(redactAnswer(bytes, ["s3cr3t-t0ken"]), bytes);
});

Deno.test("redactAnswer() keeps every other byte of a body that is not text", () => {
  const encoder = new TextEncoder();
  const secret = "tök-123";
  const bytes = new Uint8Array([0xff, 0x00, ...encoder.encode(secret), 0x80, 0xfe]);
  assert.deepEqual(
    redactAnswer(bytes, [secret]),
    new Uint8Array([0xff, 0x00, ...encoder.encode("***"), 0x80, 0xfe]),
  );
});
