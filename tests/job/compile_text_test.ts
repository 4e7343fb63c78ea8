import assert from "node:assert/strict";
import { compileText, joinPieces, placeholderValue } from "../../lib/job/compile_text.ts";
import { parseExactJson } from "../../lib/job/exact_json.ts";
import { parsePlaceholders } from "../../lib/job/parse_placeholders.ts";

const noEnv = () => undefined;
const parse = (source: string) =>
  parsePlaceholders(source, "url", { fields: [], envNames: [], getters: new Map() });

Deno.test("compileText() renders strings as is, objects as JSON, the rest through String", () => {
  const render = compileText(parse("{{s}}|{{o}}|{{n}}|{{b}}|{{z}}"));
  assert.equal(
    render({ s: "x y", o: { a: [1] }, n: 1.5, b: false, z: null }, noEnv),
    'x y|{"a":[1]}|1.5|false|null',
  );
});

Deno.test("compileText() encodes placeholder values only, never the literal text", () => {
  const render = compileText(parse("/a b/{{q}}"), encodeURIComponent);
  assert.equal(render({ q: "c/d" }, noEnv), "/a b/c%2Fd");
});

Deno.test("joinPieces() returns a single render as is", () => {
  const only = () => "x";
  assert.equal(joinPieces([only]), only);
  assert.equal(joinPieces(["a", "b"])({}, noEnv), "ab");
  assert.equal(joinPieces([])({}, noEnv), "");
});

Deno.test("placeholderValue() keeps the value's type and names what is missing", () => {
  const [field] = parse("{{n}}");
  const read = placeholderValue(field as Exclude<typeof field, string | undefined>);
  assert.equal(read({ n: 3 }, noEnv), 3);
  assert.throws(() => read({}, noEnv), {
    name: "TypeError",
    message: 'Cannot render template: query has no field "n"',
  });
  assert.throws(() => placeholderValue({ env: "K" })({}, noEnv), {
    message: 'Cannot render template: environment variable "K" is not set',
  });
});

Deno.test("compileText() gives a long number kept as its text digit for digit", () => {
  const vars = parseExactJson('{"id":12345678901234567891}') as Record<string, unknown>;
  assert.equal(
    compileText(parse("id={{id}}"), encodeURIComponent)(vars, noEnv),
    "id=12345678901234567891",
  );
});
