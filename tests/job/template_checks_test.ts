// What compileTemplate() refuses to send, and what it tells about secrets
// (issue 9, items 2, 3 and 7; issue 10, item 4).
import assert from "node:assert/strict";
import { redactSecrets } from "../../lib/job/redact_secrets.ts";
import { compileTemplate } from "../../lib/job/template.ts";

const noEnv = () => undefined;

Deno.test("render() fails a URL whose scheme comes from the data and is not http(s)", () => {
  const t = compileTemplate({ url: "{{base}}/passwd" });
  assert.equal(t.schemeFrom, "data");
  t.checkScheme(noEnv); // the data decides: nothing to check before sending
  assert.throws(() => t.render({ base: "file:///etc" }, noEnv), {
    name: "TypeError",
    message: "Cannot send to a file: URL: only http: and https: URLs are sent",
  });
  assert.equal(t.render({ base: "http://x.test" }, noEnv).url, "http://x.test/passwd");
});

Deno.test("checkScheme() refuses an environment that gives the URL another scheme", () => {
  const t = compileTemplate({ url: "{{env.API_BASE}}/v1?q={{q}}" });
  assert.equal(t.schemeFrom, "env");
  assert.throws(() => t.checkScheme(() => "file:///etc"), { name: "TypeError", message: /file:/ });
  t.checkScheme(() => "https://api.test");
  assert.equal(compileTemplate({ url: "https://x.test/{{q}}" }).schemeFrom, "template");
});

Deno.test("compileTemplate() refuses a bad header name or a literal line break when compiled", () => {
  assert.throws(() => compileTemplate({ url: "https://x.test/", headers: { "X Key": "1" } }), {
    name: "TypeError",
    message: /^Cannot use "X Key" as a header name/,
  });
  assert.throws(
    () => compileTemplate({ url: "https://x.test/", headers: { a: "1\r\nInjected: 2" } }),
    { name: "TypeError", message: 'Cannot use header "a": its value holds a carriage return (CR)' },
  );
});

Deno.test("render() fails a header value that gets CR, LF or NUL from the data or environment", () => {
  const t = compileTemplate({
    url: "https://x.test/",
    headers: { "X-Q": "{{q}}", Authorization: "Bearer {{env.TOKEN}}" },
  });
  assert.throws(() => t.render({ q: "a\r\nInjected: 1" }, () => "t"), {
    name: "TypeError",
    message: 'Cannot send header "X-Q": its value holds a carriage return (CR)',
  });
  assert.throws(() => t.render({ q: "a" }, () => "line1\nline2"), (err: Error) => {
    assert.equal(
      err.message,
      'Cannot send header "Authorization": its value holds a line feed (LF)',
    );
    return true;
  });
  assert.deepEqual(t.render({ q: "a\tb" }, () => "t").headers, {
    "X-Q": "a\tb",
    Authorization: "Bearer t",
  });
});

Deno.test("render() with validate: false renders what a dry run shows, unchecked", () => {
  const t = compileTemplate({ url: "{{env.BASE}}/f/{{p}}", headers: { "X-Q": "{{q}}" } });
  const masked = (name: string) => `<env.${name}>`;
  const req = t.render({ p: "..", q: "a\nb" }, masked, { validate: false });
  assert.equal(req.url, "<env.BASE>/f/..");
  assert.equal(req.headers["X-Q"], "a\nb");
  assert.throws(() => t.render({ p: "x", q: "y" }, masked), TypeError);
});

Deno.test("render() lists the environment values it used as secrets, once each", () => {
  const t = compileTemplate({
    url: "https://x.test/s?k={{env.KEY}}&q={{q}}",
    headers: { Authorization: "Bearer {{env.TOKEN}}", "X-Key": "{{env.KEY}}" },
    body: '{"k":"{{env.KEY}}"}',
  });
  const env = (name: string) => name === "KEY" ? "k e/y" : "t0ken";
  const req = t.render({ q: "a" }, env);
  assert.deepEqual(req.secrets, ["k e/y", "t0ken"]);
  assert.equal(redactSecrets(req.url, req.secrets), "https://x.test/s?k=***&q=a");
  assert.equal(redactSecrets(req.headers.Authorization!, req.secrets), "Bearer ***");
  assert.equal(redactSecrets(req.body!, req.secrets), '{"k":"***"}');
  assert.deepEqual(compileTemplate({ url: "https://x.test/{{q}}" }).render({ q: 1 }).secrets, []);
});

Deno.test("envUses tells where each environment variable is used", () => {
  const t = compileTemplate({
    url: "{{env.BASE}}/s?k={{env.KEY}}&k2={{env.KEY}}",
    headers: { Authorization: "Bearer {{env.TOKEN}}", "X-Key": "{{env.KEY}}" },
    body: { key: "{{env.KEY}}", q: "{{q}}" },
  });
  assert.deepEqual([...t.envUses], [
    ["BASE", ["url"]],
    ["KEY", ["url", 'header "X-Key"', "body"]],
    ["TOKEN", ['header "Authorization"']],
  ]);
  assert.deepEqual(t.envNames, ["BASE", "KEY", "TOKEN"]);
});
