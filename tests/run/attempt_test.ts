/**
 * attempt(item) without a database or msw: a fake fetch answers, and the
 * test reads the item's new state and response row as plain data.
 */
import assert from "node:assert/strict";
import { type AttemptOptions, createAttempt } from "../../lib/run/attempt.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import type { ClaimedItem } from "../../lib/store/store.ts";
import { VERSION } from "../../lib/version.ts";
import { ROUTES, serveHostile } from "../http/_hostile_server.ts";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const ITEM: ClaimedItem = { id: 7, seq: 3, key: "a", vars: { q: "a" }, attempts: 0, throttled: 0 };

type Reply = (init?: RequestInit) => Response | Promise<Response>;

/** A fetch that answers every request with `reply()` and records what it was sent. */
function fakeFetch(reply: Reply) {
  const sent: Request[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(new Request(input, init));
    return Promise.resolve(reply(init));
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

function setup(reply: Reply, options: Partial<AttemptOptions> = {}) {
  const clock = new FakeClock(NOW);
  const limiter = new RateLimiter({ clock });
  const stats = new RunStats({ total: 1, done: 0, failed: 0 }, () => clock.now());
  const { fetch, sent } = fakeFetch(reply);
  const attempt = createAttempt({
    template: compileTemplate({ url: "http://api.test/search", body: { q: "{{q}}" } }),
    limiter,
    stats,
    idempotencyPrefix: "job1",
    fetch,
    clock,
    policy: { backoff: { random: () => 0.5 } },
    ...options,
  });
  return { attempt, limiter, stats, sent, clock };
}

Deno.test("attempt() marks a 2xx done with its response row and kept headers", async () => {
  const headers = { "content-type": "application/json", "set-cookie": "secret" };
  const { attempt, sent, stats } = setup(() => Response.json({ ok: 1 }, { headers }));
  const update = await attempt(ITEM);
  assert.deepEqual(update, {
    id: 7,
    status: "done",
    attempts: 1,
    throttled: 0,
    nextAt: 0,
    lastStatus: 200,
    lastError: null,
    errorClass: null,
    possiblySent: 0,
    sent: 1,
    response: {
      seq: 3,
      status: 200,
      durationMs: update.response!.durationMs,
      headers: '{"content-type":"application/json"}',
      body: '{"ok":1}',
      url: "http://api.test/search",
      error: null,
      at: NOW,
    },
  });
  assert.equal(sent[0]!.headers.get("user-agent"), `sluice/${VERSION}`);
  assert.equal(sent[0]!.headers.get("idempotency-key"), "job1:3");
  assert.deepEqual(await sent[0]!.json(), { q: "a" });
  assert.equal(stats.snapshot().done, 1);
});

Deno.test("attempt() fails another 4xx at once, classed http_4xx, with its body", async () => {
  const { attempt } = setup(() => new Response("nope", { status: 404 }));
  const update = await attempt(ITEM);
  assert.deepEqual(
    [update.status, update.attempts, update.lastStatus, update.lastError, update.errorClass],
    ["failed", 1, 404, "http 404", "http_4xx"],
  );
  assert.deepEqual([update.response?.body, update.response?.error], ["nope", "http 404"]);
});

Deno.test("attempt() sends a 5xx back with a backoff, keeping its response only on request", async () => {
  for (const keepAttempts of [false, true]) {
    const { attempt } = setup(() => new Response("busy", { status: 502 }), { keepAttempts });
    const update = await attempt({ ...ITEM, attempts: 1 });
    // Second attempt, full jitter at 0.5: half of 2 × 500 ms.
    assert.deepEqual(
      [update.status, update.attempts, update.nextAt, update.errorClass, update.lastError],
      ["pending", 2, NOW + 500, "http_5xx", "http 502"],
    );
    assert.equal(update.response?.body, keepAttempts ? "busy" : undefined);
  }
});

Deno.test("attempt() throttles a 429: the whole limiter pauses, the attempt is not counted", async () => {
  const { attempt, limiter } = setup(() =>
    new Response(null, { status: 429, headers: { "retry-after": "2" } })
  );
  const update = await attempt({ ...ITEM, attempts: 1, throttled: 2 });
  assert.deepEqual(
    [update.status, update.attempts, update.throttled, update.nextAt, update.errorClass],
    ["pending", 1, 3, NOW + 2000, "throttled"],
  );
  assert.equal(limiter.cooldownUntil, NOW + 2000);
});

Deno.test("attempt() classes network errors, timeouts and oversized bodies", async () => {
  const network = setup(() => Promise.reject(new TypeError("error sending request")), {
    policy: { maxAttempts: 1 },
  });
  const lost = await network.attempt(ITEM);
  assert.deepEqual([lost.status, lost.errorClass, lost.lastStatus], ["failed", "network", null]);
  assert.match(lost.lastError!, /^network: error sending request.*\(after 1 attempt\)$/);

  // An answer that never comes, but for the abort of the attempt's deadline.
  const never: Reply = (init) =>
    new Promise<Response>((_, reject) =>
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))
    );
  const hang = setup(never, { timeoutMs: 5 });
  const hung = await hang.attempt(ITEM);
  assert.deepEqual([hung.status, hung.errorClass, hung.lastError], [
    "pending",
    "timeout",
    "timeout",
  ]);

  const big = setup(() => new Response("x".repeat(100)), { maxBodyBytes: 10 });
  const tooBig = await big.attempt(ITEM);
  assert.deepEqual(
    [tooBig.status, tooBig.lastStatus, tooBig.errorClass, tooBig.response?.body],
    ["failed", 200, "body_too_large", null],
  );
});

Deno.test("attempt() fails an item whose request cannot be rendered, unsent", async () => {
  const { attempt, sent, stats } = setup(() => new Response("ok"), {
    template: compileTemplate({ url: "http://api.test/?k={{env.SLUICE_TEST_MISSING}}" }),
    env: () => undefined,
  });
  const update = await attempt(ITEM);
  assert.deepEqual([update.status, update.sent, update.errorClass], ["failed", 0, "render"]);
  assert.match(update.lastError!, /^render: /);
  assert.equal(update.response, undefined);
  assert.equal(sent.length, 0);
  assert.equal(stats.snapshot().failed, 1);
});

Deno.test("attempt() puts an item back unsent when stopping, possibly sent when abandoned", async () => {
  const stop = new AbortController();
  stop.abort(new Error("stopping"));
  const waiting = setup(() => new Response("ok"), { grantSignal: stop.signal });
  const unsent = await waiting.attempt(ITEM);
  assert.deepEqual([unsent.status, unsent.sent, unsent.possiblySent], ["pending", 0, 0]);
  assert.equal(waiting.sent.length, 0);

  const abandon = new AbortController();
  const inFlight = setup(() => {
    abandon.abort(new Error("grace period over"));
    return Promise.reject(new DOMException("aborted", "AbortError"));
  }, { signal: abandon.signal });
  const abandoned = await inFlight.attempt(ITEM);
  assert.deepEqual(
    [abandoned.status, abandoned.sent, abandoned.possiblySent, abandoned.attempts],
    ["pending", 0, 1, 0],
  );
});

Deno.test("attempt() lets the template's own User-Agent and idempotency header win", async () => {
  const { attempt, sent } = setup(() => new Response("ok"), {
    template: compileTemplate({
      url: "http://api.test/",
      headers: { "User-Agent": "mybot/2", "X-Key": "k-{{q}}" },
    }),
    idempotencyHeader: "x-key",
  });
  await attempt(ITEM);
  assert.equal(sent[0]!.headers.get("user-agent"), "mybot/2");
  assert.equal(sent[0]!.headers.get("x-key"), "k-a");
});

Deno.test("attempt() fails a request fetch refuses unsent, class render, uncounted by the breaker", async () => {
  const clock = new FakeClock(NOW);
  const limiter = new RateLimiter({ clock, breaker: { threshold: 1 } });
  const { attempt, sent, stats } = setup(() => new Response("ok"), {
    limiter,
    userAgent: "bot\r\nInjected: 1",
  });
  for (const seq of [1, 2, 3]) {
    const update = await attempt({ ...ITEM, seq });
    assert.deepEqual(
      [update.status, update.sent, update.attempts, update.errorClass, update.response],
      ["failed", 0, 0, "render", undefined],
    );
    assert.match(update.lastError!, /^render: request refused: Invalid header value/);
  }
  assert.equal(sent.length, 0);
  assert.deepEqual([stats.snapshot().sent, stats.snapshot().failed], [0, 3]);
  assert.equal(limiter.report().breaker?.state, "closed");
  assert.equal(limiter.report().breaker?.opened, 0);
});

Deno.test("attempt() fails a redirect to file: at once, not stored as 200, class redirect_refused", async () => {
  const { attempt, sent } = setup(() =>
    new Response(null, { status: 302, headers: { location: "file:///etc/passwd" } })
  );
  const update = await attempt(ITEM);
  assert.deepEqual(
    [update.status, update.sent, update.attempts, update.lastStatus, update.errorClass],
    ["failed", 1, 1, 302, "redirect_refused"],
  );
  assert.equal(update.response?.status, 302);
  assert.equal(update.response?.body, null);
  assert.equal(sent.length, 1);
});

Deno.test("attempt() fails a broken gzip body at once as body_invalid, the breaker closed", async () => {
  const server = serveHostile();
  try {
    const clock = new FakeClock(NOW);
    const limiter = new RateLimiter({ clock, breaker: { threshold: 1 } });
    const { attempt } = setup(() => new Response("unused"), {
      template: compileTemplate({ url: server.origin + ROUTES.brokenGzip }),
      fetch: globalThis.fetch,
      limiter,
    });
    const update = await attempt(ITEM);
    assert.deepEqual(
      [update.status, update.sent, update.attempts, update.lastStatus, update.errorClass],
      ["failed", 1, 1, 200, "body_invalid"],
    );
    assert.equal(limiter.report().breaker?.state, "closed");
    assert.equal(server.requests.length, 1, "not retried");
  } finally {
    await server.close();
  }
});

Deno.test("attempt() keeps secrets out of the stored URL, headers, error and stats", async () => {
  const token = "tok-9f3a/+ x";
  const env = (name: string) => (name === "TOKEN" ? token : undefined);
  const template = compileTemplate({
    url: "http://api.test/search?q={{q}}&api_key={{env.TOKEN}}",
    headers: { "X-Api-Key": "{{env.TOKEN}}" },
  });
  const leaks = (text: string | null | undefined) =>
    text != null && [token, encodeURIComponent(token), "tok-9f3a"].some((s) => text.includes(s));

  // The server echoes the token in a Location, and the item fails on a 404 there.
  const echoing = setup((init) => {
    const key = new Headers(init?.headers).get("x-api-key");
    return new Response("gone", { status: 404, headers: { location: `/moved?k=${key}` } });
  }, { template, env });
  const failed = await echoing.attempt(ITEM);
  assert.equal(failed.status, "failed");
  assert.match(failed.response!.url!, /api_key=\*\*\*$/);
  assert.match(failed.response!.headers!, /k=\*\*\*/);
  for (const text of [failed.response!.url, failed.response!.headers, failed.lastError]) {
    assert.ok(!leaks(text), text ?? "");
  }

  // A network error quoting the URL, as Deno's fetch does.
  const network = setup(() =>
    Promise.reject(
      new TypeError(`error sending request for url (http://api.test/search?api_key=${token})`),
    ), { template, env, policy: { maxAttempts: 1 } });
  const lost = await network.attempt(ITEM);
  assert.equal(lost.errorClass, "network");
  assert.ok(!leaks(lost.lastError), lost.lastError!);
  assert.ok(!leaks(lost.response?.error), lost.response?.error ?? "");
  const reasons = Object.keys(network.stats.snapshot().errors).join("\n");
  assert.ok(!leaks(reasons), reasons);
  assert.match(reasons, /api_key=\*\*\*/);
});
