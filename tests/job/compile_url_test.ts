import assert from "node:assert/strict";
import { compileUrl } from "../../lib/job/compile_url.ts";
import type { PlaceholderScope } from "../../lib/job/parse_placeholders.ts";

const noEnv = () => undefined;
const scope = (): PlaceholderScope => ({ fields: [], envNames: [], getters: new Map() });
const compile = (url: string) => compileUrl(url, scope());

/** Renders and checks, as a request's render does. */
function renderChecked(url: string, vars: Record<string, unknown>, env = noEnv): string {
  const compiled = compile(url);
  const text = compiled.render(vars, env);
  compiled.check?.(text, []);
  return text;
}

Deno.test("compileUrl() fails a URL whose scheme from the data is not http(s)", () => {
  for (const base of ["file:///etc", "data:text/plain,x", "ftp://x.test", "javascript:alert(1)"]) {
    assert.throws(() => renderChecked("{{base}}/passwd", { base }), {
      name: "TypeError",
      message:
        /^Cannot send to a (file|data|ftp|javascript): URL: only http: and https: URLs are sent$/,
    }, base);
  }
  assert.equal(
    renderChecked("{{base}}/passwd", { base: "https://x.test" }),
    "https://x.test/passwd",
  );
  assert.equal(compile("{{base}}/passwd").schemeFrom, "data");
});

Deno.test("compileUrl() fails a whole-URL value that is not an http(s) URL", () => {
  for (const url of ["file:///etc/passwd", "not a url", "", "//x.test/a", "HTTPS:"]) {
    assert.throws(() => renderChecked("{{url}}", { url }), TypeError, url);
  }
  assert.equal(renderChecked("{{url}}", { url: "HTTPS://x.test/a b" }), "HTTPS://x.test/a b");
});

Deno.test("compileUrl() shows an unparsable URL with its secrets redacted", () => {
  const compiled = compile("{{u}}?k={{env.KEY}}");
  const text = compiled.render({ u: "no scheme" }, () => "s3cret");
  assert.throws(() => compiled.check!(text, ["s3cret"]), {
    message: "Cannot parse the rendered url as a URL: current value is 'no scheme?k=***'",
  });
});

Deno.test("compileUrl() checks a scheme the environment decides with checkScheme()", () => {
  const url = compile("{{env.API_BASE}}/v1/{{q}}");
  assert.equal(url.schemeFrom, "env");
  url.checkScheme(() => "https://api.test");
  url.checkScheme(() => "HTTP://api.test");
  assert.throws(() => url.checkScheme(() => "file:///etc"), {
    name: "TypeError",
    message:
      'Cannot use environment variable "API_BASE" to start url: its scheme is file:, and only http: and https: URLs are sent',
  });
  assert.throws(() => url.checkScheme(() => "api.test/secret-path"), (err: Error) => {
    assert.match(err.message, /it has no scheme/);
    assert.ok(!err.message.includes("secret-path"));
    return true;
  });
  assert.throws(() => url.checkScheme(noEnv), { message: /"API_BASE" is not set/ });
});

Deno.test("compileUrl() says the template decides a literal scheme, and needs no check then", () => {
  for (const template of ["https://x.test/{{q}}", "http://x.test", "https://x.test?q={{q}}"]) {
    const url = compile(template);
    assert.equal(url.schemeFrom, "template", template);
    assert.equal(url.check, undefined, template);
    url.checkScheme(noEnv);
  }
  assert.throws(() => compile("file:///etc/{{name}}"), TypeError);
});

Deno.test("compileUrl() checks a URL whose host comes from the data", () => {
  const url = compile("https://{{host}}:8443/a/{{p}}");
  assert.notEqual(url.check, undefined);
  assert.equal(
    renderChecked("https://{{host}}:8443/a/{{p}}", { host: "x.test", p: 1 }),
    "https://x.test:8443/a/1",
  );
  assert.throws(() => renderChecked("https://{{host}}/a", { host: "a b" }), {
    message: "Cannot parse the rendered url as a URL: current value is 'https://a%20b/a'",
  });
  assert.throws(
    () => renderChecked("https://{{host}}/{{p}}", { host: "x.test", p: ".." }),
    TypeError,
  );
});

Deno.test("compileUrl() refuses a value that makes a . or .. path segment", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["https://x.test/files/{{p}}", { p: ".." }],
    ["https://x.test/files/{{p}}/x", { p: "." }],
    ["https://x.test/files/.{{p}}", { p: "." }],
    ["https://x.test/files/{{a}}{{b}}", { a: ".", b: "." }],
    ["https://x.test/files/%2e{{p}}", { p: "." }],
    ["https://x.test/files\\{{p}}", { p: ".." }],
    ["{{env.BASE}}/{{p}}", { p: ".." }],
    ["{{env.BASE}}{{p}}", { p: ".." }],
  ];
  for (const [template, vars] of cases) {
    assert.throws(() => compile(template).render(vars, () => "https://x.test/a"), {
      name: "TypeError",
      message: /^Cannot use '(\.|\.\.|%2e\.)' as a URL path segment: it would climb out/,
    }, template);
  }
});

Deno.test("compileUrl() lets dots through where they cannot climb", () => {
  const vars = { p: "..", q: "..." };
  assert.equal(compile("https://x.test/f/{{q}}").render(vars, noEnv), "https://x.test/f/...");
  assert.equal(
    compile("https://x.test/f/{{p}}.json").render(vars, noEnv),
    "https://x.test/f/...json",
  );
  assert.equal(compile("https://x.test/f/v{{p}}").render(vars, noEnv), "https://x.test/f/v..");
  assert.equal(compile("https://x.test/f?p={{p}}").render(vars, noEnv), "https://x.test/f?p=..");
  assert.equal(compile("https://x.test/f#{{p}}").render(vars, noEnv), "https://x.test/f#..");
  assert.equal(
    compile("https://x.test/f/{{p}}").render({ p: "../../etc" }, noEnv),
    "https://x.test/f/..%2F..%2Fetc",
  );
  // A template's own dot segments are the user's, and a dry run renders without the check.
  assert.equal(compile("https://x.test/a/../b").render({}, noEnv), "https://x.test/a/../b");
  assert.equal(
    compile("https://x.test/f/{{p}}").renderUnchecked(vars, noEnv),
    "https://x.test/f/..",
  );
});

Deno.test("compileUrl() encodes values and keeps a leading base as is", () => {
  const url = compile("{{env.BASE}}/s?q={{q}}&k={{env.KEY}}");
  const env = (name: string) => name === "BASE" ? "http://127.0.0.1:8080/api" : "k/1";
  assert.equal(url.render({ q: "a b" }, env), "http://127.0.0.1:8080/api/s?q=a%20b&k=k%2F1");
});
