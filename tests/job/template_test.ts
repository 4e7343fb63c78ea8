import assert from "node:assert/strict";
import { compileTemplate } from "../../lib/job/template.ts";

const noEnv = () => undefined;

Deno.test("compileTemplate() percent-encodes field values in the URL", () => {
  const t = compileTemplate({ url: "https://api.example.com/s?q={{q}}&p={{ page }}" });
  const req = t.render({ q: "a b/c&d=é", page: 2 }, noEnv);
  assert.equal(req.url, "https://api.example.com/s?q=a%20b%2Fc%26d%3D%C3%A9&p=2");
  assert.equal(req.method, "GET");
  assert.deepEqual(req.headers, {});
  assert.equal(req.body, undefined);
});

Deno.test("compileTemplate() inserts a URL that is one placeholder as is", () => {
  const t = compileTemplate({ url: "{{url}}" });
  assert.equal(t.render({ url: "https://x.test/a?b=c d" }, noEnv).url, "https://x.test/a?b=c d");
});

Deno.test("compileTemplate() inserts a leading base URL as is and encodes the rest", () => {
  const t = compileTemplate({ url: "{{env.API_BASE}}/v1/search?q={{q}}" });
  const req = t.render({ q: "x/y" }, (name) => name === "API_BASE" ? "http://127.0.0.1:8080" : "");
  assert.equal(req.url, "http://127.0.0.1:8080/v1/search?q=x%2Fy");
});

Deno.test("compileTemplate() keeps the type of a JSON string that is one placeholder", () => {
  const t = compileTemplate({
    url: "https://x.test/",
    body: '{"q":"{{q}}","n":"{{n}}","o":"{{o}}","b":"{{b}}","z":"{{z}}","t":"page {{n}} of {{q}}"}',
  });
  const req = t.render({ q: 'héllo "x"', n: 3, o: { a: [1, { b: 2 }] }, b: false, z: null }, noEnv);
  assert.equal(req.method, "POST");
  assert.deepEqual(JSON.parse(req.body!), {
    q: 'héllo "x"',
    n: 3,
    o: { a: [1, { b: 2 }] },
    b: false,
    z: null,
    t: 'page 3 of héllo "x"',
  });
  assert.equal(req.headers["content-type"], "application/json");
});

Deno.test("compileTemplate() accepts bare placeholders as JSON values in a body string", () => {
  const t = compileTemplate({ url: "https://x.test/", body: '{ "n": {{n}}, "list": [{{a}}, 1] }' });
  assert.equal(t.render({ n: 7, a: "s" }, noEnv).body, '{"n":7,"list":["s",1]}');
});

Deno.test("compileTemplate() renders a JSON body value from a job file", () => {
  const t = compileTemplate({
    url: "https://x.test/",
    body: {
      query: "{{q}}",
      page: "{{page}}",
      tags: ["{{tag}}", "fixed"],
      "{{q}}_key": "x-{{page}}",
    },
  });
  const body = JSON.parse(t.render({ q: "k", page: 4, tag: ["a"] }, noEnv).body!);
  assert.deepEqual(body, { query: "k", page: 4, tags: [["a"], "fixed"], k_key: "x-4" });
  assert.deepEqual(t.fields, ["q", "page", "tag"]);
});

Deno.test("compileTemplate() interpolates a body that is not JSON as plain text", () => {
  const t = compileTemplate({ url: "https://x.test/", body: "q={{q}}&n={{n}} {not json" });
  const req = t.render({ q: "a b", n: 1 }, noEnv);
  assert.equal(req.body, "q=a b&n=1 {not json");
  assert.equal(req.headers["content-type"], undefined);
});

Deno.test("compileTemplate() keeps a body without placeholders verbatim", () => {
  const t = compileTemplate({ url: "https://x.test/", body: '{"big": 12345678901234567890}' });
  assert.equal(t.render({}, noEnv).body, '{"big": 12345678901234567890}');
});

Deno.test("compileTemplate() sends a whole-body placeholder as text or as JSON by its type", () => {
  const t = compileTemplate({ url: "https://x.test/", body: "{{payload}}" });
  assert.equal(t.render({ payload: "plain text" }, noEnv).body, "plain text");
  const req = t.render({ payload: { a: 1 } }, noEnv);
  assert.equal(req.body, '{"a":1}');
  assert.equal(req.headers["content-type"], "application/json");
});

Deno.test("compileTemplate() interpolates header values as raw text", () => {
  const t = compileTemplate({
    url: "https://x.test/",
    method: "put",
    headers: { "X-Query": "{{q}} & {{n}}", "Content-Type": "text/plain" },
    body: '{"q":"{{q}}"}',
  });
  const req = t.render({ q: "a b/c", n: 2 }, noEnv);
  assert.equal(req.method, "PUT");
  assert.deepEqual(req.headers, { "X-Query": "a b/c & 2", "Content-Type": "text/plain" });
});

Deno.test("compileTemplate() reads dotted paths into nested objects", () => {
  const t = compileTemplate({ url: "https://x.test/{{user.name}}/{{user.address.zip}}" });
  assert.equal(
    t.render({ user: { name: "ann", address: { zip: 12345 } } }, noEnv).url,
    "https://x.test/ann/12345",
  );
  assert.equal(t.missingField({ user: { name: "ann" } }), "user.address.zip");
  // A literal key with a dot (a CSV header, say) wins.
  assert.equal(
    t.render({ "user.name": "bo", "user.address.zip": "1" }, noEnv).url,
    "https://x.test/bo/1",
  );
});

Deno.test("compileTemplate() lists fields and env names once, in order of use", () => {
  const t = compileTemplate({
    url: "https://x.test/{{b}}?k={{env.KEY}}",
    headers: { a: "{{a}} {{env.TOKEN}} {{b}}" },
    body: "{{c}} {{env.KEY}}",
  });
  assert.deepEqual(t.fields, ["b", "a", "c"]);
  assert.deepEqual(t.envNames, ["KEY", "TOKEN"]);
  assert.equal(t.missingField({ a: 1, b: 0, c: null }), undefined);
  assert.equal(t.missingField({ a: 1, c: 2 }), "b");
});

Deno.test("render() reads env placeholders at render time and never keeps them", () => {
  const t = compileTemplate({
    url: "https://x.test/",
    headers: { authorization: "Bearer {{env.TOKEN}}" },
  });
  assert.equal(t.render({}, () => "one").headers.authorization, "Bearer one");
  assert.equal(t.render({}, () => "two").headers.authorization, "Bearer two");
  assert.ok(!JSON.stringify(t).includes("two"));
});

Deno.test("render() reads Deno.env by default", () => {
  Deno.env.set("SLUICE_TEMPLATE_TEST_TOKEN", "from-env");
  try {
    const t = compileTemplate({ url: "https://x.test/?k={{env.SLUICE_TEMPLATE_TEST_TOKEN}}" });
    assert.equal(t.render({}).url, "https://x.test/?k=from-env");
  } finally {
    Deno.env.delete("SLUICE_TEMPLATE_TEST_TOKEN");
  }
});

Deno.test("render() throws a TypeError naming a missing env variable or field", () => {
  const t = compileTemplate({ url: "https://x.test/{{q}}", headers: { k: "{{env.MISSING_KEY}}" } });
  assert.throws(() => t.render({ q: 1 }, noEnv), {
    name: "TypeError",
    message: 'Cannot render template: environment variable "MISSING_KEY" is not set',
  });
  assert.throws(() => t.render({}, () => "k"), {
    name: "TypeError",
    message: 'Cannot render template: query has no field "q"',
  });
});

Deno.test("render() only reads a query's own fields", () => {
  const t = compileTemplate({ url: "https://x.test/{{constructor}}" });
  assert.equal(t.missingField({}), "constructor");
  assert.throws(() => t.render({}, noEnv), TypeError);
});

Deno.test("compileTemplate() rejects a URL that is not http(s)", () => {
  assert.throws(() => compileTemplate({ url: "htp:/x" }), {
    name: "TypeError",
    message: "Cannot parse url as a URL: current value is 'htp:/x'",
  });
  assert.throws(() => compileTemplate({ url: "not a url {{q}}" }), TypeError);
  assert.throws(() => compileTemplate({ url: "ftp://x.test/{{q}}" }), TypeError);
  assert.throws(() => compileTemplate({ url: "" }), TypeError);
});

Deno.test("compileTemplate() rejects bad placeholder syntax", () => {
  for (
    const url of ["https://x/{{}}", "https://x/{{a b}}", "https://x/{{a..b}}", "https://x/{{env.}}"]
  ) {
    assert.throws(() => compileTemplate({ url }), {
      name: "TypeError",
      message: /Cannot parse placeholder/,
    });
  }
  assert.throws(() => compileTemplate({ url: "https://x/{{q" }), {
    name: "TypeError",
    message: `Cannot parse url as a template: unclosed "{{" in 'https://x/{{q'`,
  });
  assert.throws(() => compileTemplate({ url: "https://x/", body: { a: "{{ b c }}" } }), {
    message: /in body/,
  });
  assert.throws(() => compileTemplate({ url: "https://x/", headers: { h: "{{x" } }), {
    message: /header "h"/,
  });
});

Deno.test("compileTemplate() rejects a bad method or headers", () => {
  assert.throws(() => compileTemplate({ url: "https://x/", method: "GE T" }), TypeError);
  assert.throws(
    () => compileTemplate({ url: "https://x/", headers: { a: 1 as unknown as string } }),
    TypeError,
  );
  assert.throws(() => compileTemplate({} as { url: string }), TypeError);
});

Deno.test("compileTemplate() leaves text without placeholders alone", () => {
  const t = compileTemplate({ url: "https://x.test/a}}b", headers: { a: "}} {x}" } });
  const req = t.render({}, noEnv);
  assert.equal(req.url, "https://x.test/a}}b");
  assert.equal(req.headers.a, "}} {x}");
  assert.deepEqual(t.fields, []);
});

Deno.test("compileTemplate() percent-encodes a form body's values: c++, a&b=1 and 50% stay themselves", () => {
  const vars = { q: "c++ & 50% off=1", n: 2 };
  const form = compileTemplate({
    url: "http://127.0.0.1/search",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: "q={{q}}&n={{n}}&token={{env.T}}",
  });
  const req = form.render(vars, () => "a+b/c=");
  assert.equal(req.body, "q=c%2B%2B%20%26%2050%25%20off%3D1&n=2&token=a%2Bb%2Fc%3D");
  assert.deepEqual(
    Object.fromEntries(new URLSearchParams(req.body!)),
    { q: "c++ & 50% off=1", n: "2", token: "a+b/c=" },
  );
  // A body that is one placeholder is the whole form, as given; other text bodies are as written.
  const whole = compileTemplate({
    url: "http://127.0.0.1/search",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "{{form}}",
  });
  assert.equal(whole.render({ form: "q=a+b&n=1" }).body, "q=a+b&n=1");
  const text = compileTemplate({ url: "http://127.0.0.1/", body: "q={{q}}" });
  assert.equal(text.render(vars).body, "q=c++ & 50% off=1");
});
