import assert from "node:assert/strict";
import { parseExactJson } from "../../lib/job/exact_json.ts";
import { PAGE_VARS } from "../../lib/job/parse_placeholders.ts";
import { compileTemplate } from "../../lib/job/template.ts";

const template = compileTemplate({
  url: "https://api.test/s?q={{q}}&after={{page.cursor}}&p={{page.number}}",
  headers: { "x-cursor": "{{page.cursor}}" },
  body:
    '{"q":"{{q}}","search_after":"{{page.cursor}}","page":"{{page.number}}","note":"after {{page.cursor}}"}',
});
const noEnv = () => undefined;

Deno.test("{{page.cursor}} and {{page.number}} on a query's first page: null (empty in text) and 1", () => {
  const r = template.render({ q: "a b" }, noEnv);
  assert.equal(r.url, "https://api.test/s?q=a%20b&after=&p=1");
  assert.equal(r.headers["x-cursor"], "");
  assert.equal(r.body, '{"q":"a b","search_after":null,"page":1,"note":"after "}');
});

Deno.test("{{page.cursor}} on a later page: a whole JSON value keeps its type, numbers beyond 2^53 exact", () => {
  const cursor = (parseExactJson('{"c":[12345678901234567891,"x y"]}') as { c: unknown }).c;
  const r = template.render({ q: "a", [PAGE_VARS]: { number: 3, cursor } } as never, noEnv);
  assert.equal(
    r.url,
    "https://api.test/s?q=a&after=%5B12345678901234567891%2C%22x%20y%22%5D&p=3",
  );
  assert.equal(r.headers["x-cursor"], '[12345678901234567891,"x y"]');
  assert.equal(
    r.body,
    '{"q":"a","search_after":[12345678901234567891,"x y"],"page":3,' +
      '"note":"after [12345678901234567891,\\"x y\\"]"}',
  );
});

Deno.test("page placeholders are not query fields: never missing, listed apart", () => {
  assert.deepEqual(template.fields, ["q"]);
  assert.deepEqual(template.pageNames, ["cursor", "number"]);
  assert.equal(template.missingField({ q: "x" }), undefined);
  // A query field named page is still a field.
  const field = compileTemplate({ url: "https://api.test/?p={{page}}&s={{page.size}}" });
  assert.deepEqual(field.fields, ["page", "page.size"]);
  assert.deepEqual(field.pageNames, []);
});

Deno.test("{{page.cursor?}}: a URL query parameter left out, name and all, while there is no cursor", () => {
  const cases: [string, string, string][] = [
    [
      "https://api.test/v1/charges?starting_after={{page.cursor?}}&limit=10",
      "https://api.test/v1/charges?limit=10",
      "https://api.test/v1/charges?starting_after=ch%201&limit=10",
    ],
    [
      "https://api.test/v1/charges?limit=10&starting_after={{page.cursor?}}#top",
      "https://api.test/v1/charges?limit=10#top",
      "https://api.test/v1/charges?limit=10&starting_after=ch%201#top",
    ],
    [
      "https://api.test/s?after={{page.cursor?}}",
      "https://api.test/s",
      "https://api.test/s?after=ch%201",
    ],
    [
      "{{env.BASE}}/s?q={{q}}&after={{page.cursor?}}&p={{page.number}}",
      "https://base.test/s?q=a%20b&p=1",
      "https://base.test/s?q=a%20b&after=ch%201&p=2",
    ],
  ];
  const env = () => "https://base.test";
  for (const [url, first, later] of cases) {
    const optional = compileTemplate({ url });
    assert.equal(optional.render({ q: "a b" }, env).url, first, url);
    const next = { q: "a b", [PAGE_VARS]: { number: 2, cursor: "ch 1" } };
    assert.equal(optional.render(next as never, env).url, later, url);
    assert.deepEqual(optional.pageNames.includes("cursor"), true, "it needs a cursor spec");
  }
});

Deno.test("{{page.cursor?}} anywhere but as a URL query parameter's whole value is refused, naming where", () => {
  const cases: [Parameters<typeof compileTemplate>[0], RegExp][] = [
    [{ url: "https://api.test/{{page.cursor?}}" }, /in url except as a query parameter's whole/],
    [{ url: "https://api.test/?a=x{{page.cursor?}}" }, /in url except as a query parameter's/],
    [{ url: "https://api.test/?a=1#c={{page.cursor?}}" }, /in url except as a query parameter's/],
    [{ url: "{{page.cursor?}}" }, /in url except as a query parameter's whole value/],
    [{ url: "https://api.test/", body: { c: "{{page.cursor?}}" } }, /in body: it stands only/],
    [
      { url: "https://api.test/", headers: { "x-c": "{{page.cursor?}}" } },
      /in header "x-c": it stands only/,
    ],
  ];
  for (const [request, message] of cases) {
    assert.throws(() => compileTemplate(request), message, JSON.stringify(request));
  }
});
