import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";

Deno.test("fromFileUrl() decodes a file URL into a path", () => {
  assert.equal(fromFileUrl(new URL("file:///tmp/a%20b/q.json")), "/tmp/a b/q.json");
  assert.equal(fromFileUrl(new URL("file:///C:/data/q.json")), "C:/data/q.json");
});

Deno.test("fromFileUrl() rejects a URL that is not a file URL", () => {
  assert.throws(() => fromFileUrl(new URL("https://x.test/q.json")), {
    name: "TypeError",
    message: "Cannot use URL as a file path: current value is 'https://x.test/q.json'",
  });
});
