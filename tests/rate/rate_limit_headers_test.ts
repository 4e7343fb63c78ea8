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
