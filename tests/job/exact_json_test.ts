import assert from "node:assert/strict";
import { exactNumber, hasLongNumber, isRawJson, parseExactJson } from "../../lib/job/exact_json.ts";

Deno.test("parseExactJson() keeps integers beyond 2^53 as their text, at any depth", () => {
  const text =
    '{"a":12345678901234567890,"b":[12345678901234567891,-9007199254740993],"c":{"d":1e400}}';
  const value = parseExactJson(text) as { a: unknown; b: unknown[] };
  assert.ok(isRawJson(value.a));
  assert.equal(value.a.rawJSON, "12345678901234567890");
  assert.ok(isRawJson(value.b[1]));
  assert.equal(
    JSON.stringify(value),
    '{"a":12345678901234567890,"b":[12345678901234567891,-9007199254740993],"c":{"d":null}}',
  );
});

Deno.test("parseExactJson() keeps decimals whose digits a double cannot hold", () => {
  const text = '{"x":0.12345678901234567890123,"y":3.141592653589793}';
  assert.equal(
    JSON.stringify(parseExactJson(text)),
    '{"x":0.12345678901234567890123,"y":3.141592653589793}',
  );
  assert.equal((parseExactJson(text) as { y: unknown }).y, Math.PI);
});

Deno.test("parseExactJson() leaves numbers a double holds as numbers", () => {
  const text = '{"safe":9007199254740991,"float":1.5,"e":1e3,"one":1.0,"s":"12345678901234567890"}';
  assert.deepEqual(parseExactJson(text), {
    safe: 9007199254740991,
    float: 1.5,
    e: 1000,
    one: 1,
    s: "12345678901234567890",
  });
});

Deno.test("parseExactJson() throws JSON.parse's SyntaxError on bad JSON, on both paths", () => {
  assert.throws(() => parseExactJson('{"a":'), SyntaxError);
  assert.throws(() => parseExactJson('{"a":12345678901234567890'), SyntaxError);
});

Deno.test("exactNumber() keeps the text only when the double prints differently", () => {
  assert.equal(exactNumber("9007199254740992", 9007199254740992), 9007199254740992);
  const big = exactNumber("9007199254740993", Number("9007199254740993"));
  assert.ok(isRawJson(big));
  assert.equal(big.rawJSON, "9007199254740993");
  assert.equal(exactNumber("1.25", 1.25), 1.25);
  assert.equal(exactNumber("1.00000000000000e5", 1e5), 1e5); // 15 digits: a double holds them
});

Deno.test("hasLongNumber() finds runs of 16 digits, a decimal point among them", () => {
  assert.equal(hasLongNumber('{"id":1234567890123456}'), true);
  assert.equal(hasLongNumber('{"x":1.234567890123456e5}'), true);
  assert.equal(hasLongNumber('{"x":1.23456789012345e55}'), false);
  assert.equal(hasLongNumber('{"id":123456789012345,"d":"2024-01-01T00:00:00Z"}'), false);
  assert.equal(hasLongNumber('{"u":"550e8400-e29b-41d4-a716-446655440000"}'), false);
});

Deno.test("isRawJson() is false for plain objects, null and numbers", () => {
  assert.equal(isRawJson({ rawJSON: "1" }), false);
  assert.equal(isRawJson(null), false);
  assert.equal(isRawJson(1), false);
});
