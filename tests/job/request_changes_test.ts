import assert from "node:assert/strict";
import { requestChanges } from "../../lib/job/request_changes.ts";

Deno.test("requestChanges() lists each difference of method, URL, header and body, old then new", () => {
  const saved = {
    url: "http://api.test/search",
    headers: { Authorization: "Bearer {{env.T}}", Accept: "application/json" },
    body: '{"q":"{{q}}"}',
  };
  assert.deepEqual(
    requestChanges(saved, {
      url: "http://api.test/other",
      method: "PUT",
      headers: { authorization: "Bearer {{env.U}}", "X-New": "1" },
      body: '{"query":"{{q}}"}',
    }),
    [
      "method: POST → PUT",
      'url: "http://api.test/search" → "http://api.test/other"',
      'header Authorization: "Bearer {{env.T}}" → "Bearer {{env.U}}"',
      'header Accept: "application/json" → (none)',
      'header X-New: (none) → "1"',
      'body: "{\\"q\\":\\"{{q}}\\"}" → "{\\"query\\":\\"{{q}}\\"}"',
    ],
  );
});

Deno.test("requestChanges() finds none for the same request written another way", () => {
  assert.deepEqual(
    requestChanges(
      { url: "http://api.test/", body: { q: "{{q}}", n: 1 }, headers: { "Content-Type": "x" } },
      {
        url: "http://api.test/",
        method: "post",
        body: { n: 1, q: "{{q}}" },
        headers: { "content-type": "x" },
      },
    ),
    [],
  );
  assert.deepEqual(
    requestChanges({ url: "http://api.test/" }, { url: "http://api.test/", method: "GET" }),
    [],
  );
});
