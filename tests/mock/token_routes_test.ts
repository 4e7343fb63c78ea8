import assert from "node:assert/strict";
import { createMockApi } from "../../lib/mock/mock_api.ts";
import { parseRateLimitHeaders } from "../../lib/rate/rate_limit_headers.ts";
import { mockOptions } from "../../cli/mock.ts";
import { InputError } from "../../lib/errors.ts";
import { goDuration } from "../../lib/mock/token_meter.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");

function tokenApi(headers?: "openai" | "anthropic" | "ietf" | "none", usageHeader?: string) {
  let now = T0;
  const api = createMockApi({
    clock: { now: () => now, sleep: () => Promise.resolve() },
    tokens: {
      limits: {
        requests: { limit: 10, periodMs: 1000 },
        tokens: { limit: 1000, periodMs: 10_000 },
        "input-tokens": { limit: 600, periodMs: 10_000 },
        "output-tokens": { limit: 800, periodMs: 10_000 },
      },
      ...(headers ? { headers } : {}),
      ...(usageHeader ? { usageHeader } : {}),
    },
  });
  const ask = (route: string, body: unknown) =>
    api.app.request(route, { method: "POST", body: JSON.stringify(body) });
  return { api, ask, at: (t: number) => now = T0 + t };
}

Deno.test("mock token routes answer as OpenAI and Anthropic do, each prompt always the same cost", async () => {
  const { api, ask } = tokenApi();
  const openai = await ask("/v1/chat/completions", {
    messages: [{ role: "user", content: "x".repeat(100) }],
    max_tokens: 50,
  });
  assert.equal(openai.status, 200);
  const o = await openai.json();
  assert.equal(o.usage.prompt_tokens, 25);
  assert.ok(o.usage.completion_tokens >= 1 && o.usage.completion_tokens <= 50);
  assert.equal(o.usage.total_tokens, o.usage.prompt_tokens + o.usage.completion_tokens);
  assert.equal(typeof o.choices[0].message.content, "string");
  const anthropic = await ask("/v1/messages", { prompt: "x".repeat(100), max_tokens: 50 });
  const a = await anthropic.json();
  assert.deepEqual(a.usage, { input_tokens: 25, output_tokens: o.usage.completion_tokens });
  assert.equal(a.content[0].type, "text");
  assert.equal(api.stats.tokens, 2 * o.usage.total_tokens);
  assert.equal(api.stats.requests, 2);
  assert.equal((await ask("/v1/messages", { max_tokens: 5 })).status, 400);
});

Deno.test("mock token routes send OpenAI's headers on completions, Anthropic's on messages", async () => {
  const { ask } = tokenApi();
  const body = { prompt: "x".repeat(40), max_tokens: 10 };
  const openai = await ask("/v1/chat/completions", body);
  const { usage } = await openai.json();
  assert.equal(openai.headers.get("x-ratelimit-limit-tokens"), "1000");
  assert.equal(
    openai.headers.get("x-ratelimit-remaining-tokens"),
    String(1000 - usage.total_tokens),
  );
  // The time until the bucket is full again: what was taken, at 100 tokens a second.
  assert.equal(openai.headers.get("x-ratelimit-reset-tokens"), goDuration(usage.total_tokens * 10));
  assert.equal(openai.headers.get("x-ratelimit-remaining-requests"), "9");
  assert.equal(openai.headers.get("x-ratelimit-reset-requests"), "100ms");
  const anthropic = await ask("/v1/messages", body);
  const info = parseRateLimitHeaders(anthropic.headers, T0)!;
  assert.equal(info.family, "anthropic");
  assert.deepEqual(info.quotas.map((q) => q.unit).sort(), [
    "input-tokens",
    "output-tokens",
    "requests",
    "tokens",
  ]);
  assert.match(
    anthropic.headers.get("anthropic-ratelimit-tokens-reset")!,
    /^2026-03-01T12:00:0\dZ$/,
  );
});

Deno.test("mock token routes refuse what a bucket cannot hold with 429 and Retry-After, then refill", async () => {
  const { api, ask, at } = tokenApi("ietf", "x-tokens-used");
  const big = { prompt: "x".repeat(2000), max_tokens: 1 }; // 500 input tokens + 1
  const first = await ask("/v1/chat/completions", big);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("x-tokens-used"), "501");
  assert.match(first.headers.get("ratelimit-policy")!, /"tokens";q=1000;w=10;qu="tokens"/);
  // 99 input tokens left of 600: the next 500 need 4.01 s of refill (60 a second).
  const second = await ask("/v1/chat/completions", big);
  assert.equal(second.status, 429);
  assert.equal(second.headers.get("retry-after"), "7");
  assert.equal(api.stats.throttled, 1);
  at(7000);
  assert.equal((await ask("/v1/chat/completions", big)).status, 200);
  api.reset();
  assert.equal((await ask("/v1/chat/completions", big)).status, 200);
});

Deno.test("mock token routes can send no rate-limit headers at all", async () => {
  const { ask } = tokenApi("none");
  const res = await ask("/v1/chat/completions", { prompt: "hi", max_tokens: 3 });
  let rateLimit = 0;
  res.headers.forEach((_v, name) => rateLimit += /ratelimit/.test(name) ? 1 : 0);
  assert.equal(rateLimit, 0);
});

Deno.test("mockOptions() reads --tokens as --rate's units, and refuses units the mock does not meter", () => {
  const options = mockOptions({
    tokens: "50/s,tokens=90000/min,output-tokens=8000/min",
    tokenHeaders: "anthropic",
    usageHeader: "X-Used",
  });
  assert.deepEqual(options.tokens, {
    limits: {
      requests: { limit: 50, periodMs: 1000 },
      tokens: { limit: 90_000, periodMs: 60_000 },
      "output-tokens": { limit: 8000, periodMs: 60_000 },
    },
    headers: "anthropic",
    usageHeader: "X-Used",
  });
  assert.throws(() => mockOptions({ tokens: "points=10/s" }), InputError);
  assert.throws(() => mockOptions({ tokens: "none" }), InputError);
});
