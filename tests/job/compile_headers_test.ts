import assert from "node:assert/strict";
import { checkHeaderValue, compileHeaders } from "../../lib/job/compile_headers.ts";
import type { PlaceholderScope } from "../../lib/job/parse_placeholders.ts";

const scope = (): PlaceholderScope => ({ fields: [], envNames: [], getters: new Map() });

Deno.test("compileHeaders() refuses a name that is not an HTTP token, once, when compiled", () => {
  for (const name of ["a b", "x:y", "é", "", "a\tb", "x\r\ny"]) {
    assert.throws(() => compileHeaders({ [name]: "v" }, scope()), {
      name: "TypeError",
      message: /as a header name: only letters, digits and/,
    }, JSON.stringify(name));
  }
  const [header] = compileHeaders({ "X-Api_Key.v2!": "v" }, scope());
  assert.equal(header!.templated, false);
});

Deno.test("compileHeaders() refuses a literal value with CR, LF, NUL or a character above U+00FF", () => {
  for (const value of ["a\r\nb: c", "a\nb {{q}}", "a\0", "€ {{q}}"]) {
    assert.throws(() => compileHeaders({ "x-h": value }, scope()), {
      name: "TypeError",
      message: /^Cannot use header "x-h": its value holds /,
    }, JSON.stringify(value));
  }
});

Deno.test("checkHeaderValue() names the header and the character, never the value", () => {
  const cases: [string, string][] = [
    ["secret\r\nInjected: 1", "a carriage return (CR)"],
    ["secret\nx", "a line feed (LF)"],
    ["secret\0", "a NUL character"],
    ["secret €", "the character U+20AC, which is not Latin-1"],
    ["secret 😀", "the character U+1F600, which is not Latin-1"],
  ];
  for (const [value, what] of cases) {
    assert.throws(() => checkHeaderValue("Authorization", value), (err: Error) => {
      assert.ok(err instanceof TypeError);
      assert.equal(err.message, `Cannot send header "Authorization": its value holds ${what}`);
      assert.ok(!err.message.includes("secret"));
      return true;
    });
  }
  for (const value of ["café", "a\tb", " padded ", ""]) checkHeaderValue("x", value);
});

Deno.test("compileHeaders() marks values with placeholders for a check per request", () => {
  const [fixed, fromData] = compileHeaders({ a: "1", b: "x {{q}}" }, scope());
  assert.equal(fixed!.templated, false);
  assert.equal(fromData!.templated, true);
  assert.equal(fromData!.render({ q: "y" }, () => undefined), "x y");
});
