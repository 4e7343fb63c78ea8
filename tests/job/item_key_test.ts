import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { itemKey } from "../../lib/job/item_key.ts";

Deno.test("itemKey() uses a string or number id as is", () => {
  assert.equal(itemKey({ id: "abc-1", q: "x" }), "abc-1");
  assert.equal(itemKey({ id: 42, q: "x" }), "42");
  assert.equal(itemKey({ id: 1.5 }), "1.5");
});

Deno.test("itemKey() hashes the variables when id is absent, empty or not a scalar", () => {
  for (
    const vars of [{ q: "x" }, { id: "", q: "x" }, { id: null }, { id: { a: 1 } }, { id: true }]
  ) {
    assert.match(itemKey(vars), /^[0-9a-f]{32}$/);
  }
  assert.notEqual(itemKey({ id: "", q: "x" }), itemKey({ q: "x" }));
});

Deno.test("itemKey() hashes canonical JSON with keys sorted at every level", () => {
  const canonical = '{"a":1,"b":{"c":"x","d":[1,{"e":null,"f":2}]}}';
  const expected = createHash("sha256").update(canonical).digest("hex").slice(0, 32);
  assert.equal(itemKey({ b: { d: [1, { f: 2, e: null }], c: "x" }, a: 1 }), expected);
  assert.equal(itemKey({ a: 1, b: { c: "x", d: [1, { e: null, f: 2 }] } }), expected);
});

Deno.test("itemKey() tells apart different variables", () => {
  const keys = new Set([
    itemKey({ q: "x" }),
    itemKey({ q: "y" }),
    itemKey({ q: ["x"] }),
    itemKey({ q: "x", n: 1 }),
    itemKey({ q: 1 }),
    itemKey({ q: "1" }),
    itemKey({ p: "x" }),
    itemKey({}),
  ]);
  assert.equal(keys.size, 8);
});

Deno.test("itemKey() is stable across calls and ignores undefined values", () => {
  const vars = { q: "héllo", tags: ["a", "b"], meta: { z: 1, y: [true, false] } };
  assert.equal(itemKey(vars), itemKey(structuredClone(vars)));
  assert.equal(itemKey({ q: "x", gone: undefined }), itemKey({ q: "x" }));
});
