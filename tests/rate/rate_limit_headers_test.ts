import assert from "node:assert/strict";
import { parseRateLimitHeaders } from "../../lib/rate/rate_limit_headers.ts";

const NOW = 1_700_000_000_000; // a whole second

function parse(headers: Record<string, string>, now = NOW) {
  return parseRateLimitHeaders(new Headers(headers), now);
}

Deno.test("parseRateLimitHeaders() reads the IETF list form with its policy", () => {
  const info = parse({
    "RateLimit-Policy": '"default";q=100;w=60',
    "RateLimit": '"default";r=50;t=30',
  })!;
  assert.equal(info.family, "ietf");
  assert.deepEqual(info.binding, {
    name: "default",
    unit: "requests",
    remaining: 50,
    resetAt: NOW + 30_000,
    resetFrom: NOW + 29_000,
    limit: 100,
    windowMs: 60_000,
  });
});

Deno.test("parseRateLimitHeaders() reads unnamed items and the q=;w= policy", () => {
  const info = parse({ "RateLimit-Policy": "q=100;w=60", "RateLimit": "r=7;t=2" })!;
  assert.equal(info.binding.name, "default");
  assert.equal(info.binding.remaining, 7);
  assert.equal(info.binding.limit, 100);
  assert.equal(info.binding.windowMs, 60_000);
  assert.equal(info.binding.resetAt, NOW + 2000);
});

Deno.test("parseRateLimitHeaders() reads the older draft's policy form 100;w=60", () => {
  const info = parse({ "RateLimit-Policy": "10;w=1", "RateLimit": "r=3;t=1" })!;
  assert.equal(info.binding.limit, 10);
  assert.equal(info.binding.windowMs, 1000);
});

Deno.test("parseRateLimitHeaders() reads the older draft's dictionary form", () => {
  const info = parse({ "RateLimit": "limit=100, remaining=42, reset=9" })!;
  assert.equal(info.family, "ietf");
  assert.equal(info.binding.remaining, 42);
  assert.equal(info.binding.limit, 100);
  assert.equal(info.binding.resetAt, NOW + 9000);
});

Deno.test("parseRateLimitHeaders() takes the most restrictive of several policies", () => {
  const info = parse({
    "RateLimit-Policy": '"burst";q=10;w=1, "day";q=5000;w=86400',
    "RateLimit": '"burst";r=9;t=1, "day";r=3;t=3600',
  })!;
  assert.equal(info.quotas.length, 2);
  assert.equal(info.binding.name, "day");
  assert.equal(info.binding.limit, 5000);
  // Equal remaining: the later reset binds.
  const tie = parse({ "RateLimit": '"a";r=2;t=1, "b";r=2;t=5' })!;
  assert.equal(tie.binding.name, "b");
});

Deno.test("parseRateLimitHeaders() reads fractional deltas as exact", () => {
  const info = parse({ "RateLimit": "r=1;t=0.25" })!;
  assert.equal(info.binding.resetAt, NOW + 250);
  assert.equal(info.binding.resetFrom, NOW + 250);
});

Deno.test("parseRateLimitHeaders() reads the legacy RateLimit-Limit/-Remaining/-Reset", () => {
  const info = parse({
    "RateLimit-Limit": "60",
    "RateLimit-Remaining": "0",
    "RateLimit-Reset": "1",
  })!;
  assert.equal(info.family, "legacy");
  assert.deepEqual(info.binding, {
    name: "default",
    unit: "requests",
    remaining: 0,
    resetAt: NOW + 1000,
    resetFrom: NOW,
    limit: 60,
  });
  // An early draft's limit with a policy: "100, 100;w=60".
  const policy = parse({
    "RateLimit-Limit": "100, 100;w=60",
    "RateLimit-Remaining": "5",
    "RateLimit-Reset": "20",
  })!;
  assert.equal(policy.binding.limit, 100);
  assert.equal(policy.binding.windowMs, 60_000);
});

Deno.test("parseRateLimitHeaders() reads X-RateLimit-Reset as a delta or as Unix time", () => {
  const delta = parse({ "X-RateLimit-Remaining": "4", "X-RateLimit-Reset": "30" })!;
  assert.equal(delta.family, "x");
  assert.equal(delta.binding.resetAt, NOW + 30_000);
  const epoch = parse({
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "4999",
    "X-RateLimit-Reset": String(NOW / 1000 + 60),
  })!;
  assert.equal(epoch.binding.resetAt, NOW + 60_000);
  assert.equal(epoch.binding.resetFrom, NOW + 59_000);
  assert.equal(epoch.binding.limit, 5000);
  const ms = parse({ "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": String(NOW + 1500) })!;
  assert.equal(ms.binding.resetAt, NOW + 1500);
  // A reset already past (clock skew) is now, not the past.
  const past = parse({
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": String(NOW / 1000 - 5),
  })!;
  assert.equal(past.binding.resetAt, NOW);
});

Deno.test("parseRateLimitHeaders() reads X-RateLimit-Reset-After and X-Rate-Limit-*", () => {
  const after = parse({ "X-RateLimit-Remaining": "2", "X-RateLimit-Reset-After": "1.5" })!;
  assert.equal(after.binding.resetAt, NOW + 1500);
  const hyphen = parse({ "X-Rate-Limit-Remaining": "8", "X-Rate-Limit-Reset": "10" })!;
  assert.equal(hyphen.binding.remaining, 8);
});

Deno.test("parseRateLimitHeaders() reads an HTTP date in a reset header", () => {
  const at = new Date(NOW + 10_000).toUTCString();
  const info = parse({ "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": at })!;
  assert.equal(info.binding.resetAt, NOW + 10_000);
});

Deno.test("parseRateLimitHeaders() ignores malformed headers and never throws", () => {
  const bad: Record<string, string>[] = [
    {},
    { "RateLimit": "" },
    { "RateLimit": "r=oops;t=1" },
    { "RateLimit": "r=-1;t=1" },
    { "RateLimit": "r=1.5;t=1" },
    { "RateLimit": '"unterminated;r=1;t=1' },
    { "RateLimit": "r=1;t=soon" },
    { "RateLimit": ";;;,,," },
    { "RateLimit-Policy": "q=abc;w=1", "RateLimit": '"x";t=1' },
    { "RateLimit-Remaining": "ten", "RateLimit-Reset": "1" },
    { "X-RateLimit-Remaining": "3" },
    { "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "tomorrow-ish" },
    { "X-RateLimit-Remaining": "1e3", "X-RateLimit-Reset": "1" },
    { "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "-4" },
  ];
  for (const headers of bad) assert.equal(parse(headers), undefined, JSON.stringify(headers));
  assert.equal(parseRateLimitHeaders(undefined, NOW), undefined);
  // One good item among bad ones is kept; a bad policy only loses the limit.
  const mixed = parse({
    "RateLimit-Policy": "q=zero;w=1",
    "RateLimit": '"a";r=x;t=1, "b";r=2;t=3',
  })!;
  assert.equal(mixed.quotas.length, 1);
  assert.equal(mixed.binding.name, "b");
  assert.equal(mixed.binding.limit, undefined);
});

Deno.test("parseRateLimitHeaders() reads every header family the mock API sends", async () => {
  const { createMockApi } = await import("../../lib/mock/mock_api.ts");
  for (const headers of ["ietf", "legacy", "x"] as const) {
    let now = NOW + 250;
    const api = createMockApi({
      rate: 5,
      headers,
      clock: { now: () => now, sleep: () => Promise.resolve() },
    });
    const res = await api.app.request("/search?q=a");
    await res.body?.cancel();
    const info = parseRateLimitHeaders(res.headers, now)!;
    assert.equal(info.binding.remaining, 4, headers);
    assert.ok(info.binding.resetAt >= NOW + 1000, headers);
    assert.ok(info.binding.resetFrom <= NOW + 1000, headers);
    if (headers !== "x") assert.equal(info.binding.limit, 5);
    now += 10;
  }
});

Deno.test("parseRateLimitHeaders() gives the same with and without its shortcut for answers without rate fields", () => {
  // A field named RateLimit seems to be there: the shortcut never answers, every
  // family is parsed in full.
  class NoShortcut extends Headers {
    override forEach(
      callback: (value: string, name: string, parent: this) => void,
      thisArg?: unknown,
    ): void {
      callback.call(thisArg, "", "ratelimit", this);
      super.forEach(callback, thisArg);
    }
  }
  const cases: Record<string, string>[] = [
    {},
    { "content-type": "application/json", "x-request-id": "7", "date": "x" },
    { "retry-after": "3" },
    { "ratelimit-policy": '"q";q=100;w=1' },
    { "ratelimit-limit": "100", "ratelimit-reset": "5" },
    { "x-ratelimit-limit": "100", "x-ratelimit-reset": "1700000030" },
    { "RateLimit": '"q";r=9;t=1', "RateLimit-Policy": '"q";q=10;w=1' },
    { "ratelimit": "limit=100, remaining=50, reset=30" },
    { "ratelimit": "r=oops" },
    { "RateLimit-Limit": "100", "RateLimit-Remaining": "7", "RateLimit-Reset": "2" },
    { "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1700000030" },
    { "x-rate-limit-remaining": "4", "x-rate-limit-reset-after": "1.5" },
    { "x-ratelimit-remaining": "-1", "x-ratelimit-reset": "2" },
  ];
  for (const headers of cases) {
    const full = parseRateLimitHeaders(new NoShortcut(headers), NOW);
    assert.deepEqual(
      parseRateLimitHeaders(new Headers(headers), NOW),
      full,
      JSON.stringify(headers),
    );
  }
  assert.equal(parseRateLimitHeaders(new Headers(cases[1]), NOW), undefined);
  assert.notEqual(parseRateLimitHeaders(new Headers(cases[6]), NOW), undefined);
});

Deno.test("parseRateLimitHeaders() reads OpenAI's requests and tokens, resets as Go durations", () => {
  const info = parse({
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "499",
    "x-ratelimit-reset-requests": "120ms",
    "x-ratelimit-limit-tokens": "90000",
    "x-ratelimit-remaining-tokens": "89100",
    "x-ratelimit-reset-tokens": "6m0s",
  })!;
  assert.equal(info.family, "openai");
  const byUnit = Object.fromEntries(info.quotas.map((q) => [q.unit, q]));
  assert.deepEqual(byUnit.requests, {
    name: "requests",
    unit: "requests",
    remaining: 499,
    resetAt: NOW + 120,
    resetFrom: NOW + 120,
    limit: 500,
    refills: true,
  });
  // Whole seconds are read as rounded up, as a delta in seconds is.
  assert.deepEqual(byUnit.tokens, {
    name: "tokens",
    unit: "tokens",
    remaining: 89_100,
    resetAt: NOW + 360_000,
    resetFrom: NOW + 359_000,
    limit: 90_000,
    refills: true,
  });
  for (
    const [reset, ms] of [["1.2s", 1200], ["1h2m3.5s", 3_723_500], ["20ms", 20], ["0s", 0], [
      "250us",
      0.25,
    ]] as const
  ) {
    const q = parse({ "x-ratelimit-remaining-tokens": "5", "x-ratelimit-reset-tokens": reset })!;
    assert.equal(q.quotas[0]!.resetAt, NOW + ms, reset);
  }
  // A reset in seconds, as some servers of the same family send it.
  const seconds = parse({ "x-ratelimit-remaining-tokens": "5", "x-ratelimit-reset-tokens": "7" })!;
  assert.equal(seconds.quotas[0]!.resetAt, NOW + 7000);
  // Malformed parts are left out, the rest kept.
  const bad = parse({
    "x-ratelimit-remaining-tokens": "many",
    "x-ratelimit-remaining-requests": "3",
    "x-ratelimit-reset-requests": "1s",
  })!;
  assert.deepEqual(bad.quotas.map((q) => q.unit), ["requests"]);
});

Deno.test("parseRateLimitHeaders() reads Anthropic's units with RFC 3339 resets", () => {
  const at = new Date(NOW + 42_000).toISOString().replace(/\.\d+Z$/, "Z");
  const info = parse({
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": at,
    "anthropic-ratelimit-tokens-limit": "80000",
    "anthropic-ratelimit-tokens-remaining": "79000",
    "anthropic-ratelimit-tokens-reset": at,
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-input-tokens-remaining": "39500",
    "anthropic-ratelimit-input-tokens-reset": at,
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "7500",
    "anthropic-ratelimit-output-tokens-reset": at,
  })!;
  assert.equal(info.family, "anthropic");
  assert.deepEqual(info.quotas.map((q) => [q.unit, q.remaining, q.limit]).sort(), [
    ["input-tokens", 39_500, 40_000],
    ["output-tokens", 7_500, 8_000],
    ["requests", 49, 50],
    ["tokens", 79_000, 80_000],
  ]);
  for (const q of info.quotas) {
    assert.deepEqual([q.resetFrom, q.resetAt], [NOW + 41_000, NOW + 42_000]);
  }
});

Deno.test("parseRateLimitHeaders() reads the IETF draft's quota units (qu)", () => {
  const info = parse({
    "RateLimit-Policy": '"minute";q=600;w=60, "tokens";q=90000;w=60;qu="Tokens", "bad";q=5;qu="9"',
    "RateLimit": '"minute";r=599;t=59, "tokens";r=89000;t=59, "bad";r=1;t=1',
  })!;
  assert.deepEqual(info.quotas.map((q) => [q.name, q.unit, q.limit]), [
    ["minute", "requests", 600],
    ["tokens", "tokens", 90_000],
    ["bad", "requests", undefined],
  ]);
});

Deno.test("parseRateLimitHeaders() keeps a plain family and a unit family side by side", () => {
  const info = parse({
    "x-ratelimit-remaining": "10",
    "x-ratelimit-reset": "1",
    "x-ratelimit-remaining-tokens": "1000",
    "x-ratelimit-reset-tokens": "1s",
  })!;
  assert.equal(info.family, "x");
  assert.deepEqual(info.quotas.map((q) => [q.name, q.unit]), [
    ["default", "requests"],
    ["tokens", "tokens"],
  ]);
});

Deno.test("parseRateLimitHeaders() reads a unit named with its window (tokens-minute, requests-day) as that unit in that window", () => {
  // As Cerebras spells them: resets in seconds.
  const cerebras = parse({
    "x-ratelimit-limit-requests-day": "14400",
    "x-ratelimit-remaining-requests-day": "14399",
    "x-ratelimit-reset-requests-day": "33011.382",
    "x-ratelimit-limit-tokens-minute": "60000",
    "x-ratelimit-remaining-tokens-minute": "59000",
    "x-ratelimit-reset-tokens-minute": "11.5",
  })!;
  const byName = Object.fromEntries(cerebras.quotas.map((q) => [q.name, q]));
  assert.deepEqual(byName["tokens-minute"], {
    name: "tokens-minute",
    unit: "tokens",
    remaining: 59_000,
    resetAt: NOW + 11_500,
    resetFrom: NOW + 11_500,
    limit: 60_000,
    windowMs: 60_000,
  });
  assert.deepEqual(
    [byName["requests-day"]!.unit, byName["requests-day"]!.windowMs],
    ["requests", 86_400_000],
  );
  // As Mistral spells them, with no reset: the window's length is the latest it can be.
  const mistral = parse({
    "x-ratelimit-limit-tokens-minute": "500000",
    "x-ratelimit-remaining-tokens-minute": "499000",
    "x-ratelimit-limit-tokens-month": "1000000000",
    "x-ratelimit-remaining-tokens-month": "999000000",
  })!;
  const minute = mistral.quotas.find((q) => q.name === "tokens-minute")!;
  assert.deepEqual([minute.unit, minute.resetFrom, minute.resetAt], ["tokens", NOW, NOW + 60_000]);
  // A unit of the family that merely ends like one is left as it is.
  const plain = parse({
    "anthropic-ratelimit-input-tokens-remaining": "7",
    "anthropic-ratelimit-input-tokens-reset": "3",
  })!;
  assert.equal(plain.quotas[0]!.unit, "input-tokens");
});
