import assert from "node:assert/strict";
import { compileBody } from "../../lib/job/compile_body.ts";
import type { PlaceholderScope } from "../../lib/job/parse_placeholders.ts";

const noEnv = () => undefined;
const newScope = (): PlaceholderScope => ({ fields: [], envNames: [], getters: new Map() });

Deno.test("compileBody() returns undefined for no body", () => {
  assert.equal(compileBody(undefined, newScope()), undefined);
  assert.equal(compileBody(null, newScope()), undefined);
});

Deno.test("compileBody() tells JSON from text", () => {
  assert.deepEqual(compileBody('{"a":1}', newScope())!({}, noEnv), ['{"a":1}', true]);
  assert.deepEqual(compileBody("plain", newScope())!({}, noEnv), ["plain", false]);
  assert.deepEqual(compileBody("q={{q}}", newScope())!({ q: 1 }, noEnv), ["q=1", false]);
  assert.deepEqual(compileBody("{{v}}", newScope())!({ v: [1] }, noEnv), ["[1]", true]);
  assert.deepEqual(compileBody("{{v}}", newScope())!({ v: "t" }, noEnv), ["t", false]);
});

Deno.test("compileBody() escapes text placed inside a JSON string", () => {
  const render = compileBody('{"t":"say {{q}}"}', newScope())!;
  const [text, json] = render({ q: 'a "b"\n' }, noEnv);
  assert.equal(json, true);
  assert.deepEqual(JSON.parse(text), { t: 'say a "b"\n' });
});

Deno.test("compileBody() treats a quote escaped in a JSON string as text", () => {
  const render = compileBody('{"t":"\\"{{q}}\\"","n":{{n}}}', newScope())!;
  assert.deepEqual(JSON.parse(render({ q: "x", n: 2 }, noEnv)[0]), { t: '"x"', n: 2 });
});

Deno.test("compileBody() records the fields of a JSON value body, keys included", () => {
  const scope = newScope();
  const render = compileBody({ "{{k}}": ["{{v}}", 1, null, true] }, scope)!;
  assert.deepEqual(scope.fields, ["k", "v"]);
  assert.deepEqual(render({ k: "key", v: { x: 1 } }, noEnv), [
    '{"key":[{"x":1},1,null,true]}',
    true,
  ]);
});
