import assert from "node:assert/strict";
import { compileUsage } from "../../lib/run/answer_usage.ts";

const answer = (body: unknown, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: new Headers(headers),
  body: typeof body === "string" ? body : JSON.stringify(body),
});

Deno.test("compileUsage() reads JSON paths, quoted keys, array items, headers and sums of them", () => {
  const usage = compileUsage(
    'tokens=$.usage.input_tokens + $.usage.output_tokens, cached=$."x.cache"[1], credits=header:X-Credits',
  );
  assert.deepEqual(usage.units, ["tokens", "cached", "credits"]);
  assert.deepEqual(
    usage.of(answer(
      { usage: { input_tokens: 30, output_tokens: 12 }, "x.cache": [0, "7"] },
      { "X-Credits": " 2.5 " },
    )),
    { tokens: 42, cached: 7, credits: 2.5 },
  );
});

Deno.test("compileUsage() leaves out a unit the answer does not report, and never throws on a body", () => {
  const usage = compileUsage(
    "tokens=$.usage.input_tokens+$.usage.output_tokens,credits=header:x-credits",
  );
  // One part of the sum missing: the unit is not reported (its estimate stays spent).
  assert.deepEqual(usage.of(answer({ usage: { input_tokens: 30 } }, { "x-credits": "1" })), {
    credits: 1,
  });
  assert.deepEqual(usage.of(answer("<html>busy</html>")), {});
  assert.deepEqual(usage.of(answer({ usage: { input_tokens: -3, output_tokens: 1 } })), {});
  assert.deepEqual(usage.of(answer({ usage: { input_tokens: "lots", output_tokens: 1 } })), {});
  assert.deepEqual(usage.of({ status: undefined, headers: undefined, body: undefined }), {});
});

Deno.test("compileUsage() refuses what is not a JSON path or a header", () => {
  for (
    const bad of ["tokens=usage.total", "tokens=$.a[x]", "tokens=header:bad name", "=$.a", "$.a"]
  ) {
    assert.throws(() => compileUsage(bad), RangeError, bad);
  }
});

Deno.test("compileUsage() checks what a function returns as it checks paths", () => {
  const usage = compileUsage((a) => ({ Tokens: Number(a.headers?.get("x-used")), bad: -1 }));
  assert.deepEqual(usage.of(answer({}, { "x-used": "12" })), { tokens: 12 });
  assert.deepEqual(compileUsage(() => undefined).of(answer({})), {});
});
