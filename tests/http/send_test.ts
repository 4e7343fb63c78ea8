import assert from "node:assert/strict";
import { send } from "./_send_fields.ts";
import type { RenderedRequest } from "../../lib/job/template.ts";
import { ROUTES, serveHostile } from "./_hostile_server.ts";

const get = (url: string, extra: Partial<RenderedRequest> = {}): RenderedRequest => ({
  url,
  method: "GET",
  headers: {},
  body: undefined,
  ...extra,
});

Deno.test("send() fails a gzip bomb as body_too_large with --max-body 1MB", async () => {
  const server = serveHostile({ bombBytes: 100_000_000 });
  try {
    const result = await send(get(server.origin + ROUTES.bomb), { maxBodyBytes: 1_000_000 });
    assert.deepEqual([result.status, result.failure?.kind, result.body], [
      200,
      "body_too_large",
      undefined,
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("send() never follows a redirect to file:, data: or ftp:", async () => {
  const server = serveHostile();
  try {
    for (
      const [route, scheme] of [[ROUTES.toFile, "file:"], [ROUTES.toData, "data:"], [
        ROUTES.toFtp,
        "ftp:",
      ]] as const
    ) {
      const result = await send(get(server.origin + route));
      assert.equal(result.status, 302, route);
      assert.equal(result.body, undefined, route);
      assert.equal(result.kind, "unusable", "the first request went out");
      assert.equal(result.failure?.kind, "redirect_refused", route);
      assert.match(result.failure!.message, new RegExp(`^redirect to a ${scheme} URL refused`));
      assert.equal(result.url, server.origin + route);
    }
    assert.deepEqual(server.requests, [ROUTES.toFile, ROUTES.toData, ROUTES.toFtp]);
  } finally {
    await server.close();
  }
});

Deno.test("send() refuses a first URL that is not http(s), sending nothing", async () => {
  let fetched = 0;
  const fetch = () => {
    fetched++;
    return Promise.resolve(new Response("root:x:0:0"));
  };
  for (const url of ["file:///etc/passwd", "data:text/plain,x", " http://127.0.0.1/"]) {
    const result = await send(get(url), { fetch });
    assert.deepEqual([result.kind, result.failure?.kind, result.status], [
      "unsent",
      "render",
      undefined,
    ]);
  }
  assert.equal(fetched, 0);
});

Deno.test("send() reports a header fetch refuses as unsent, its value's secret redacted", async () => {
  const server = serveHostile();
  try {
    const request = get(server.origin + ROUTES.echo, {
      headers: { "x-api-key": "t0ps3cret\r\nInjected: 1" },
      secrets: ["t0ps3cret"],
    });
    const result = await send(request);
    assert.deepEqual([result.kind, result.failure?.kind], ["unsent", "render"]);
    assert.doesNotMatch(result.failure!.message, /t0ps3cret/);
    assert.match(result.failure!.message, /\*\*\*/);
    const badName = await send(get(server.origin + ROUTES.echo, { headers: { "x a": "1" } }));
    assert.deepEqual([badName.kind, badName.failure?.kind], ["unsent", "render"]);
    assert.deepEqual(server.requests, [], "nothing reached the server");
  } finally {
    await server.close();
  }
});

Deno.test("send() classes a broken gzip body as body_invalid, not a network failure", async () => {
  const server = serveHostile();
  try {
    const result = await send(get(server.origin + ROUTES.brokenGzip));
    assert.deepEqual([result.status, result.failure?.kind, result.kind], [
      200,
      "body_invalid",
      "unusable",
    ]);
    assert.match(result.failure!.message, /^response body not decodable as gzip/);
  } finally {
    await server.close();
  }
});

Deno.test("send() redacts secrets in a network error's URL before cutting it short", async () => {
  const secret = "k".repeat(20) + "SECRET" + "k".repeat(200);
  const fetch = (input: RequestInfo | URL) =>
    Promise.reject(new TypeError(`error sending request for url (${input})`));
  const result = await send(get(`http://127.0.0.1:8/?key=${secret}`, { secrets: [secret] }), {
    fetch: fetch as typeof globalThis.fetch,
  });
  assert.equal(result.failure?.kind, "network");
  assert.doesNotMatch(result.failure!.message, /SECRET|kkkkk/);
  assert.match(result.failure!.message, /key=\*\*\*/);
});
