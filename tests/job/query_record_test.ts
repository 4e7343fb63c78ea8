import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { toQueryRecord } from "../../lib/job/query_record.ts";

Deno.test("toQueryRecord() keeps an object as the query's variables", () => {
  const vars = { q: "a", nested: { n: 1 } };
  const record = toQueryRecord(vars, "q.jsonl", 7);
  assert.equal(record?.vars, vars);
  assert.equal(record?.line, 7);
});

Deno.test("toQueryRecord() names what a value that is not an object is", () => {
  const cases: [unknown, string][] = [
    [null, "null"],
    [[1], "an array"],
    ["x", "a string"],
    [3, "a number"],
    [true, "a boolean"],
  ];
  for (const [value, kind] of cases) {
    assert.throws(() => toQueryRecord(value, "q.json", 2), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.message, `q.json:2: Cannot use a query as an object: got ${kind}`);
      assert.equal(err.line, 2);
      return true;
    });
  }
});
