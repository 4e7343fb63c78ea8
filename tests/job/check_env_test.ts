import assert from "node:assert/strict";
import { checkEnv } from "../../lib/job/check_env.ts";
import { compileTemplate } from "../../lib/job/template.ts";

Deno.test("checkEnv() names every unset variable and where the template uses it", () => {
  const template = compileTemplate({
    url: "https://api.example.com/{{env.API_PATH}}/search",
    headers: { Authorization: "Bearer {{env.API_TOKEN}}", "X-Key": "{{env.API_TOKEN}}" },
    body: '{"q":"{{q}}","user":"{{env.API_USER}}"}',
  });
  assert.throws(() => checkEnv(template, (name) => name === "API_PATH" ? "v1" : undefined), {
    name: "InputError",
    message: 'environment variable API_TOKEN is not set (used in header "Authorization", ' +
      'header "X-Key"); environment variable API_USER is not set (used in body)',
  });
  checkEnv(template, () => "set");
  checkEnv(template, () => ""); // set, if empty: the API decides
});

Deno.test("checkEnv() refuses an environment variable that gives the URL a scheme other than http(s)", () => {
  const template = compileTemplate({ url: "{{env.API_BASE}}/search" });
  checkEnv(template, () => "https://api.example.com");
  assert.throws(() => checkEnv(template, () => "file:///etc"), {
    name: "InputError",
    message: /Cannot use environment variable "API_BASE" to start url: its scheme is file:/,
  });
});
