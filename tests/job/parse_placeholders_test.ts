import assert from "node:assert/strict";
import { parsePlaceholders, type PlaceholderScope } from "../../lib/job/parse_placeholders.ts";

const newScope = (): PlaceholderScope => ({ fields: [], envNames: [], getters: new Map() });

Deno.test("parsePlaceholders() splits text and placeholders, trimming inner spaces", () => {
  const scope = newScope();
  const parts = parsePlaceholders("a{{ q }}b{{env.K}}", "url", scope);
  assert.equal(parts.length, 4);
  assert.equal(parts[0], "a");
  assert.deepEqual(parts[2], "b");
  assert.deepEqual(parts[3], { env: "K" });
  const field = parts[1];
  assert.ok(typeof field === "object" && field.field === "q");
});

Deno.test("parsePlaceholders() shares one getter per field across strings", () => {
  const scope = newScope();
  const [a] = parsePlaceholders("{{q}}", "url", scope);
  const [b] = parsePlaceholders("{{q}}", 'header "h"', scope);
  assert.ok(typeof a === "object" && a.field !== undefined);
  assert.ok(typeof b === "object" && b.field !== undefined);
  assert.equal(a.get, b.get);
  assert.deepEqual(scope.fields, ["q"]);
  assert.equal(scope.getters.size, 1);
});

Deno.test("parsePlaceholders() getters read own fields, dotted paths, and literal dotted keys", () => {
  const scope = newScope();
  parsePlaceholders("{{a.b}} {{toString}}", "url", scope);
  const nested = scope.getters.get("a.b")!;
  assert.equal(nested({ a: { b: 1 } }), 1);
  assert.equal(nested({ "a.b": 2, a: { b: 1 } }), 2);
  assert.equal(nested({ a: "text" }), undefined);
  assert.equal(scope.getters.get("toString")!({}), undefined);
});

Deno.test("parsePlaceholders() names where a bad placeholder is", () => {
  assert.throws(() => parsePlaceholders("x {{a b}}", 'header "h"', newScope()), {
    name: "TypeError",
    message: 'Cannot parse placeholder {{a b}} in header "h": expected {{field}}, ' +
      "{{a.b}} or {{env.NAME}}",
  });
  assert.throws(() => parsePlaceholders("{{q", "body", newScope()), {
    name: "TypeError",
    message: `Cannot parse body as a template: unclosed "{{" in '{{q'`,
  });
});
