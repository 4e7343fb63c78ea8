import assert from "node:assert/strict";
import { delay, http, HttpResponse, passthrough } from "msw";
import { setupServer } from "msw/node";
import { type Clock, FakeClock } from "../../lib/util/clock.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { runJob, type RunJobOptions } from "../../lib/run/run_job.ts";
import { openStore, type Store } from "../../lib/store/store.ts";
import { compileTemplate, type RequestTemplate } from "../../lib/job/template.ts";
import { VERSION } from "../../lib/version.ts";

const API = "http://api.test/search";
const REQUEST: RequestTemplate = { url: API, body: { q: "{{q}}" } };
const FAST: RunJobOptions = {
  rate: { kind: "none" },
  concurrency: 4,
  flushMs: 1,
  policy: { backoff: { baseMs: 1 } },
};

type Reply = (q: string) => Response | Promise<Response>;
const ok: Reply = (q) => HttpResponse.json({ answer: q });
const reply = (status: number, headers?: Record<string, string>): Reply => () =>
  HttpResponse.json({ error: status }, { status, ...(headers ? { headers } : {}) });

/** A mocked POST endpoint answering each query by its script (the last reply repeats). */
function api(script: Record<string, Reply[]> = {}, clock?: Clock, url = API) {
  const seen: { q: string; idem: string | null; ua: string | null; at: number }[] = [];
  const handler = http.all(url, async ({ request }) => {
    const q = request.method === "GET"
      ? new URL(request.url).searchParams.get("q")!
      : (await request.json() as { q: string }).q;
    const n = seen.filter((s) => s.q === q).length;
    seen.push({
      q,
      idem: request.headers.get("idempotency-key"),
      ua: request.headers.get("user-agent"),
      at: clock?.now() ?? Date.now(),
    });
    const replies = script[q] ?? [ok];
    return await replies[Math.min(n, replies.length - 1)]!(q);
  });
  return { handler, seen };
}

/** An in-memory store with one job of `queries` (ids a, b, … and `q` = the id). */
async function setup(ids: string[], request = REQUEST) {
  const store = await openStore(":memory:");
  const template = compileTemplate(request);
  const queries = (async function* () {
    for (const [i, id] of ids.entries()) yield { vars: { id, q: id }, line: i + 1 };
  })();
  const input = { file: "t.jsonl", format: "jsonl" as const, settings: {}, queries };
  const { job } = await prepareJob(store, template, { name: "t", input, request });
  return { store, job, template };
}

async function rows(store: Store, sql: string) {
  const rs = await store.client.execute(sql);
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c, r[i]])));
}
const itemRows = (store: Store) =>
  rows(
    store,
    "SELECT key, status, attempts, throttled, sends, last_status, last_error FROM items ORDER BY seq",
  );
const responseRows = (store: Store) =>
  rows(
    store,
    "SELECT i.key, r.attempt, r.status, r.body, r.url, r.error FROM responses r JOIN items i ON i.id = r.item ORDER BY i.seq, r.attempt",
  );

/** Runs a job under msw with `handlers`, always closing the server and the store. */
async function withMsw<T>(
  handlers: Parameters<typeof setupServer>,
  fn: () => Promise<T>,
  store: Store,
): Promise<T> {
  const server = setupServer(...handlers);
  server.listen({ onUnhandledRequest: "error" });
  try {
    return await fn();
  } finally {
    server.close();
    store.close();
  }
}

/** Advances a fake clock whenever the run is parked on it, until the run ends. */
async function drive<T>(clock: FakeClock, run: Promise<T>): Promise<T> {
  let finished = false;
  run.then(() => finished = true, () => finished = true);
  while (!finished) {
    await new Promise((resolve) => setTimeout(resolve, 0)); // let real I/O progress
    if (clock.sleepers > 0) await clock.next();
  }
  return await run;
}

Deno.test("runJob() marks 2xx done and stores the response with its URL", async () => {
  const { store, job, template } = await setup(["a", "b", "c"]);
  const mock = api();
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.deepEqual(summary.counts, { ...summary.counts, total: 3, done: 3, failed: 0 });
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.key, i.status, i.attempts, i.sends, i.last_status]), [
      ["a", "done", 1, 1, 200],
      ["b", "done", 1, 1, 200],
      ["c", "done", 1, 1, 200],
    ]);
    const responses = await responseRows(store);
    assert.equal(responses.length, 3);
    assert.deepEqual(responses[0], {
      key: "a",
      attempt: 1,
      status: 200,
      body: '{"answer":"a"}',
      url: API,
      error: null,
    });
  }, store);
});

Deno.test("runJob() sends User-Agent sluice/<version> and a per-item Idempotency-Key", async () => {
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api();
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, FAST);
    assert.deepEqual(mock.seen.map((s) => s.ua), [`sluice/${VERSION}`, `sluice/${VERSION}`]);
    const keys = mock.seen.map((s) => s.idem).sort();
    assert.deepEqual(keys, [`${job.idemPrefix}:0`, `${job.idemPrefix}:1`]);
  }, store);
});

Deno.test("runJob() lets the template's User-Agent and Idempotency-Key win, whatever their case", async () => {
  const headers = { "User-Agent": "mybot/2", "IDEMPOTENCY-KEY": "mine-{{id}}" };
  const { store, job, template } = await setup(["a"], { ...REQUEST, headers });
  const mock = api();
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, FAST);
    assert.equal(mock.seen[0]!.ua, "mybot/2");
    assert.equal(mock.seen[0]!.idem, "mine-a");
  }, store);
  const custom = await setup(["a"]);
  const other = api();
  await withMsw([other.handler], async () => {
    await runJob(custom.store, custom.job, custom.template, { ...FAST, userAgent: "bot/1" });
    assert.equal(other.seen[0]!.ua, "bot/1");
  }, custom.store);
});

Deno.test("runJob() keeps the Idempotency-Key stable across retries, or sends none", async () => {
  const { store, job, template } = await setup(["a"]);
  const mock = api({ a: [reply(500), reply(503), ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, FAST);
    assert.equal(mock.seen.length, 3);
    assert.deepEqual(mock.seen.map((s) => s.idem), Array(3).fill(`${job.idemPrefix}:0`));
  }, store);
  const off = await setup(["a"]);
  const plain = api();
  await withMsw([plain.handler], async () => {
    await runJob(off.store, off.job, off.template, { ...FAST, idempotencyHeader: false });
    assert.equal(plain.seen[0]!.idem, null);
  }, off.store);
});

Deno.test("runJob() retries 408, 425, 500, 502, 503, 504 and ends done", async () => {
  const codes = [408, 425, 500, 502, 503, 504];
  const ids = codes.map(String);
  const { store, job, template } = await setup(ids);
  const mock = api(Object.fromEntries(codes.map((c) => [String(c), [reply(c), ok]])));
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.equal(summary.counts.done, 6);
    for (const item of await itemRows(store)) {
      assert.deepEqual([item.status, item.attempts, item.throttled, item.sends], [
        "done",
        2,
        0,
        2,
      ]);
    }
    // Only the final response is kept by default.
    const responses = await responseRows(store);
    assert.deepEqual(responses.map((r) => [r.attempt, r.status]), Array(6).fill([2, 200]));
  }, store);
});

Deno.test("runJob() fails a retryable status after maxAttempts, keeping every attempt on request", async () => {
  for (const keepAttempts of [false, true]) {
    const { store, job, template } = await setup(["a"]);
    const mock = api({ a: [reply(502)] });
    await withMsw([mock.handler], async () => {
      const policy = { ...FAST.policy, maxAttempts: 3 };
      await runJob(store, job, template, { ...FAST, policy, keepAttempts });
      assert.equal(mock.seen.length, 3);
      const [item] = await itemRows(store);
      assert.equal(item!.status, "failed");
      assert.equal(item!.last_error, "http 502 (after 3 attempts)");
      const responses = await responseRows(store);
      assert.deepEqual(
        responses.map((r) => [r.attempt, r.status, r.body]),
        (keepAttempts ? [1, 2, 3] : [3]).map((n) => [n, 502, '{"error":502}']),
      );
    }, store);
  }
});

Deno.test("runJob() fails another 4xx at once and stores its body", async () => {
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [reply(404)], b: [reply(422)] });
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.equal(summary.counts.failed, 2);
    assert.equal(mock.seen.length, 2);
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["failed", 1, "http 404"],
      ["failed", 1, "http 422"],
    ]);
    const responses = await responseRows(store);
    assert.deepEqual(responses.map((r) => [r.status, r.body]), [
      [404, '{"error":404}'],
      [422, '{"error":422}'],
    ]);
  }, store);
});

Deno.test("runJob() retries a timeout, then fails an item that never answers", async () => {
  const hang: Reply = async () => {
    await delay("infinite");
    return HttpResponse.json({});
  };
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [hang, ok], b: [hang] });
  await withMsw([mock.handler], async () => {
    const policy = { ...FAST.policy, maxAttempts: 2 };
    await runJob(store, job, template, { ...FAST, policy, timeoutMs: 50 });
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["done", 2, null],
      ["failed", 2, "timeout (after 2 attempts)"],
    ]);
  }, store);
});

Deno.test("runJob() retries network errors (failed fetch, refused connection)", async () => {
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [() => HttpResponse.error(), ok], b: [() => HttpResponse.error()] });
  await withMsw([mock.handler], async () => {
    const policy = { ...FAST.policy, maxAttempts: 2 };
    await runJob(store, job, template, { ...FAST, policy });
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts]), [["done", 2], ["failed", 2]]);
    assert.match(String(items[1]!.last_error), /^network: .*\(after 2 attempts\)$/);
  }, store);
  // A port just released: nothing listens there, a real "connection refused".
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${listener.addr.port}/search`;
  listener.close();
  const refused = await setup(["a"], { ...REQUEST, url: closed });
  await withMsw([http.post(closed, () => passthrough())], async () => {
    const policy = { ...FAST.policy, maxAttempts: 2 };
    await runJob(refused.store, refused.job, refused.template, { ...FAST, policy });
    const [item] = await itemRows(refused.store);
    assert.equal(item!.status, "failed");
    assert.match(String(item!.last_error), /^network: .*refused.*\(after 2 attempts\)$/i);
  }, refused.store);
});

Deno.test("runJob() fails a body over maxBodyBytes with a clear reason", async () => {
  const big = "x".repeat(1000);
  const streamed: Reply = () =>
    new HttpResponse(ReadableStream.from([new TextEncoder().encode(big)]), { status: 200 });
  const { store, job, template } = await setup(["a", "b", "c"]);
  const mock = api({ a: [() => HttpResponse.text(big)], b: [streamed], c: [ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxBodyBytes: 100 });
    assert.equal(mock.seen.length, 3);
    const reason = "response body over 100 bytes (--max-body)";
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["failed", 1, reason],
      ["failed", 1, reason],
      ["done", 1, null],
    ]);
    const responses = await responseRows(store);
    assert.deepEqual(responses[0], {
      key: "a",
      attempt: 1,
      status: 200,
      body: null,
      url: API,
      error: reason,
    });
  }, store);
});

Deno.test("runJob() follows redirects and stores the final URL", async () => {
  const request = { url: "http://api.test/old?q={{q}}" };
  const hop = (to: string) => ({ request: r }: { request: Request }) =>
    new HttpResponse(null, { status: 302, headers: { location: to + new URL(r.url).search } });
  const mock = api({}, undefined, "http://api.test/v2/search");
  const { store, job, template } = await setup(["a"], request);
  const handlers = [
    http.get("http://api.test/old", hop("http://api.test/moved")),
    http.get("http://api.test/moved", hop("/v2/search")),
    mock.handler,
  ];
  await withMsw(handlers, async () => {
    await runJob(store, job, template, FAST);
    assert.deepEqual(mock.seen.map((s) => s.q), ["a"]);
    const [response] = await responseRows(store);
    assert.equal(response!.status, 200);
    assert.equal(response!.url, "http://api.test/v2/search?q=a");
  }, store);
});

Deno.test("runJob() follows a 307 of a POST with its body (real server, no msw)", async () => {
  // msw cannot replay a request body on a redirect (and a passthrough body never
  // cancels), so a real loopback server answers here, without msw in between.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json();
    if (new URL(req.url).pathname === "/old") {
      return new Response(null, { status: 307, headers: { location: "/new" } });
    }
    return Response.json({ method: req.method, body });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const { store, job, template } = await setup(["a"], { ...REQUEST, url: `${base}/old` });
  try {
    await runJob(store, job, template, FAST);
    const [response] = await responseRows(store);
    assert.equal(response!.url, `${base}/new`);
    assert.deepEqual(JSON.parse(String(response!.body)), { method: "POST", body: { q: "a" } });
  } finally {
    store.close();
    await server.shutdown();
  }
});

Deno.test("runJob() pauses the whole job for a 429's Retry-After in seconds", async () => {
  const clock = new FakeClock(Date.parse("2025-03-01T12:00:00Z"));
  const limiter = new RateLimiter({ clock });
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [reply(429, { "retry-after": "3" }), ok] }, clock);
  await withMsw([mock.handler], async () => {
    const run = runJob(store, job, template, { ...FAST, concurrency: 1, clock, limiter });
    await drive(clock, run);
    const [first, ...later] = mock.seen;
    assert.equal(first!.q, "a");
    assert.ok(limiter.cooldownUntil >= first!.at + 3000);
    // Neither the throttled item nor any other one went out before the cooldown ended.
    assert.deepEqual(later.map((s) => s.q).sort(), ["a", "b"]);
    for (const s of later) assert.ok(s.at >= limiter.cooldownUntil, `${s.q} sent at ${s.at}`);
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.throttled, i.sends]), [
      ["done", 1, 1, 2],
      ["done", 1, 0, 1],
    ]);
  }, store);
});

Deno.test("runJob() pauses the whole job until a 429's Retry-After HTTP date", async () => {
  const clock = new FakeClock(Date.parse("2025-03-01T12:00:00Z"));
  const limiter = new RateLimiter({ clock });
  const until = new Date(clock.now() + 5000).toUTCString();
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [reply(429, { "retry-after": until }), ok] }, clock);
  await withMsw([mock.handler], async () => {
    await drive(clock, runJob(store, job, template, { ...FAST, concurrency: 1, clock, limiter }));
    assert.equal(limiter.cooldownUntil, Date.parse(until));
    const later = mock.seen.slice(1);
    assert.equal(later.length, 2);
    for (const s of later) assert.ok(s.at >= Date.parse(until), `${s.q} sent at ${s.at}`);
  }, store);
});

Deno.test("runJob() throttles a 503 with Retry-After and retries one without", async () => {
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [reply(503, { "retry-after": "0" }), ok], b: [reply(503), ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, FAST);
    const items = await itemRows(store);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.throttled]), [
      ["done", 1, 1],
      ["done", 2, 0],
    ]);
  }, store);
});

Deno.test("runJob() does not count 429s against maxAttempts", async () => {
  const { store, job, template } = await setup(["a"]);
  const throttled = reply(429, { "retry-after": "0" });
  const mock = api({ a: [throttled, throttled, throttled, throttled, ok] });
  await withMsw([mock.handler], async () => {
    const policy = { ...FAST.policy, maxAttempts: 1 };
    await runJob(store, job, template, { ...FAST, policy });
    const [item] = await itemRows(store);
    assert.deepEqual([item!.status, item!.attempts, item!.throttled, item!.sends], [
      "done",
      1,
      4,
      5,
    ]);
  }, store);
});

Deno.test("runJob() fails an item throttled more than maxThrottled times", async () => {
  const { store, job, template } = await setup(["a"]);
  const mock = api({ a: [reply(429, { "retry-after": "0" })] });
  await withMsw([mock.handler], async () => {
    const policy = { ...FAST.policy, maxThrottled: 3 };
    await runJob(store, job, template, { ...FAST, policy });
    assert.equal(mock.seen.length, 4);
    const [item] = await itemRows(store);
    assert.deepEqual([item!.status, item!.last_status, item!.last_error], [
      "failed",
      429,
      "http 429 (throttled 4 times)",
    ]);
  }, store);
});
