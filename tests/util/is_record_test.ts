import assert from "node:assert/strict";
import { isRecord } from "../../lib/util/is_record.ts";

Deno.test("isRecord() accepts objects only, not null, arrays or primitives", () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord(JSON.parse('{"a":1}')), true);
  assert.equal(isRecord(Object.create(null)), true);
  for (const value of [null, undefined, [], [1], "x", 1, true]) {
    assert.equal(isRecord(value), false, String(value));
  }
});
