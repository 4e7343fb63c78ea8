import assert from "node:assert/strict";
import { compileCost, unitList } from "../../lib/job/item_cost.ts";

Deno.test("compileCost() renders each unit's template from the query, sums with +", () => {
  const cost = compileCost("tokens={{prompt_tokens}} + {{max_tokens}}, points=3");
  assert.deepEqual(cost.units, ["tokens", "points"]);
  assert.deepEqual(cost.of({ prompt_tokens: 12, max_tokens: "100" }), { tokens: 112, points: 3 });
  assert.equal(cost.missingField({ prompt_tokens: 1 }), "max_tokens");
  assert.equal(cost.missingField({ prompt_tokens: 1, max_tokens: 2 }), undefined);
});

Deno.test("compileCost() refuses costs that are no number of at least 0", () => {
  const cost = compileCost("tokens={{n}}");
  for (const n of ["", "1e3", "-5", "ten", "1+", "NaN", null, true, { a: 1 }]) {
    assert.throws(() => cost.of({ n }), TypeError, String(n));
  }
  assert.throws(() => compileCost(() => ({ tokens: Infinity })).of({}), TypeError);
});

Deno.test("compileCost() refuses a spec without units, requests, a unit twice and {{env.NAME}}", () => {
  assert.throws(() => compileCost("{{n}}"), RangeError);
  assert.throws(() => compileCost("requests=2"), /each request costs one/);
  assert.throws(() => compileCost("tokens=1,Tokens=2"), /named twice/);
  assert.throws(() => compileCost("tokens={{env.SECRET}}"), /env\.SECRET/);
  assert.throws(() => compileCost("tokens={{n"), TypeError);
});

Deno.test("unitList() splits only at a comma before another unit=", () => {
  assert.deepEqual(unitList("a={{x}},{{y}}, b-c = 2", "--cost"), [["a", "{{x}},{{y}}"], [
    "b-c",
    "2",
  ]]);
});
