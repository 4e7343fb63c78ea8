import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mock_server.ts";

Deno.test("serveMockApi() serves the mock on a free loopback port", async () => {
  let listened = 0;
  const server = serveMockApi({
    rate: 1000,
    record: true,
    onListen: ({ port }) => listened = port,
  });
  assert.ok(server.port > 0);
  assert.equal(listened, server.port);
  const base = `http://127.0.0.1:${server.port}`;
  const post = await fetch(`${base}/search`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": "k1" },
    body: JSON.stringify({ q: "deno" }),
  });
  assert.equal(post.status, 200);
  assert.equal((await post.json()).query, "deno");
  assert.match(post.headers.get("ratelimit")!, /^"default";r=\d+;t=1$/);
  const get = await fetch(`${base}/search?q=deno`);
  assert.equal((await get.json()).query, "deno");
  const bad = await fetch(`${base}/search`, { method: "POST", body: "{" });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const stats = await (await fetch(`${base}/_mock/stats`)).json();
  assert.equal(stats.requests, 3);
  assert.deepEqual(stats.byStatus, { "200": 2, "400": 1 });
  assert.deepEqual(await (await fetch(`${base}/_mock/keys`)).json(), { k1: 1, deno: 1 });
  await server.shutdown();
  await server.finished;
  await assert.rejects(fetch(`${base}/search?q=deno`), TypeError);
});

Deno.test("serveMockApi() drops the connection so that fetch rejects", async () => {
  const server = serveMockApi({ resetRate: 1 });
  const url = `http://127.0.0.1:${server.port}/search?q=deno`;
  // The headers arrive, then the body read fails as on a connection reset.
  const res = await fetch(url);
  await assert.rejects(res.text(), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /error reading a body from connection/);
    return true;
  });
  // The client sees the same as a network error wherever it awaits the body.
  await assert.rejects(fetch(url).then((r) => r.json()), TypeError);
  assert.deepEqual(server.api.stats.byStatus, { reset: 2 });
  await server.shutdown();
});

Deno.test("serveMockApi() stops when its signal aborts and refuses other hosts", async () => {
  const controller = new AbortController();
  const server = serveMockApi({ signal: controller.signal });
  const res = await fetch(`http://127.0.0.1:${server.port}/echo`, { method: "POST", body: "hi" });
  assert.equal(await res.text(), "hi");
  controller.abort();
  await server.finished;
  assert.throws(
    () => serveMockApi({ hostname: "0.0.0.0" as "127.0.0.1" }),
    TypeError,
  );
});
