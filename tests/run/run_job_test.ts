import assert from "node:assert/strict";
import { delay, http, HttpResponse, passthrough } from "msw";
import { runJob } from "../../lib/run/run_job.ts";
import { VERSION } from "../../lib/version.ts";
import {
  API,
  api,
  FAST,
  itemRows,
  ok,
  type Reply,
  reply,
  REQUEST,
  responseRows,
  setup,
  withMsw,
} from "./_run_job_fixtures.ts";

Deno.test("runJob() marks 2xx done and stores the response with its URL", async () => {
  const { store, job, template, db } = await setup(["a", "b", "c"]);
  const mock = api();
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.deepEqual(summary.counts, { ...summary.counts, total: 3, done: 3, failed: 0 });
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.key, i.status, i.attempts, i.sends, i.last_status]), [
      ["a", "done", 1, 1, 200],
      ["b", "done", 1, 1, 200],
      ["c", "done", 1, 1, 200],
    ]);
    const responses = await responseRows(db);
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
  const { store, job, template, db } = await setup(ids);
  const mock = api(Object.fromEntries(codes.map((c) => [String(c), [reply(c), ok]])));
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.equal(summary.counts.done, 6);
    for (const item of await itemRows(db)) {
      assert.deepEqual([item.status, item.attempts, item.throttled, item.sends], [
        "done",
        2,
        0,
        2,
      ]);
    }
    // Only the final response is kept by default.
    const responses = await responseRows(db);
    assert.deepEqual(responses.map((r) => [r.attempt, r.status]), Array(6).fill([2, 200]));
  }, store);
});

Deno.test("runJob() fails a retryable status after maxAttempts, keeping every attempt on request", async () => {
  for (const keepAttempts of [false, true]) {
    const { store, job, template, db } = await setup(["a"]);
    const mock = api({ a: [reply(502)] });
    await withMsw([mock.handler], async () => {
      await runJob(store, job, template, { ...FAST, maxAttempts: 3, keepAttempts });
      assert.equal(mock.seen.length, 3);
      const [item] = await itemRows(db);
      assert.equal(item!.status, "failed");
      assert.equal(item!.last_error, "http 502 (after 3 attempts)");
      const responses = await responseRows(db);
      assert.deepEqual(
        responses.map((r) => [r.attempt, r.status, r.body]),
        (keepAttempts ? [1, 2, 3] : [3]).map((n) => [n, 502, '{"error":502}']),
      );
    }, store);
  }
});

Deno.test("runJob() fails another 4xx at once and stores its body", async () => {
  const { store, job, template, db } = await setup(["a", "b"]);
  const mock = api({ a: [reply(404)], b: [reply(422)] });
  await withMsw([mock.handler], async () => {
    const summary = await runJob(store, job, template, FAST);
    assert.equal(summary.counts.failed, 2);
    assert.equal(mock.seen.length, 2);
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["failed", 1, "http 404"],
      ["failed", 1, "http 422"],
    ]);
    const responses = await responseRows(db);
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
  const { store, job, template, db } = await setup(["a", "b"]);
  const mock = api({ a: [hang, ok], b: [hang] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxAttempts: 2, timeoutMs: 50 });
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["done", 2, null],
      ["failed", 2, "timeout (after 2 attempts)"],
    ]);
  }, store);
});

Deno.test("runJob() retries network errors (failed fetch, refused connection)", async () => {
  const { store, job, template, db } = await setup(["a", "b"]);
  const mock = api({ a: [() => HttpResponse.error(), ok], b: [() => HttpResponse.error()] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxAttempts: 2 });
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts]), [["done", 2], ["failed", 2]]);
    assert.match(String(items[1]!.last_error), /^network: .*\(after 2 attempts\)$/);
  }, store);
  // A port just released: nothing listens there, a real "connection refused".
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${listener.addr.port}/search`;
  listener.close();
  const refused = await setup(["a"], { ...REQUEST, url: closed });
  await withMsw([http.post(closed, () => passthrough())], async () => {
    await runJob(refused.store, refused.job, refused.template, { ...FAST, maxAttempts: 2 });
    const [item] = await itemRows(refused.db);
    assert.equal(item!.status, "failed");
    assert.match(String(item!.last_error), /^network: .*refused.*\(after 2 attempts\)$/i);
  }, refused.store);
});

Deno.test("runJob() fails a body over maxBodyBytes with a clear reason", async () => {
  const big = "x".repeat(1000);
  const streamed: Reply = () =>
    new HttpResponse(ReadableStream.from([new TextEncoder().encode(big)]), { status: 200 });
  const { store, job, template, db } = await setup(["a", "b", "c"]);
  const mock = api({ a: [() => HttpResponse.text(big)], b: [streamed], c: [ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxBodyBytes: 100 });
    assert.equal(mock.seen.length, 3);
    const reason = "response body over 100 bytes (--max-body)";
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.last_error]), [
      ["failed", 1, reason],
      ["failed", 1, reason],
      ["done", 1, null],
    ]);
    const responses = await responseRows(db);
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
  const { store, job, template, db } = await setup(["a"], request);
  const handlers = [
    http.get("http://api.test/old", hop("http://api.test/moved")),
    http.get("http://api.test/moved", hop("/v2/search")),
    mock.handler,
  ];
  await withMsw(handlers, async () => {
    await runJob(store, job, template, FAST);
    assert.deepEqual(mock.seen.map((s) => s.q), ["a"]);
    const [response] = await responseRows(db);
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
  const { store, job, template, db } = await setup(["a"], { ...REQUEST, url: `${base}/old` });
  try {
    await runJob(store, job, template, FAST);
    const [response] = await responseRows(db);
    assert.equal(response!.url, `${base}/new`);
    assert.deepEqual(JSON.parse(String(response!.body)), { method: "POST", body: { q: "a" } });
  } finally {
    store.close();
    await server.shutdown();
  }
});
