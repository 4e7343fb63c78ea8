import assert from "node:assert/strict";
import { fetchFollowing } from "../../lib/http/fetch_following.ts";
import { ROUTES, serveHostile } from "./_hostile_server.ts";

const HEADERS = {
  "x-api-key": "s3cr3t-key",
  "authorization": "Bearer abc",
  "cookie": "session=1",
  "x-trace": "visible",
  "x-tenant": "t-s3cr3t-key-2",
};

Deno.test("fetchFollowing() carries no credential or secret-holding header to another origin", async () => {
  const first = serveHostile();
  const other = serveHostile();
  try {
    const to = encodeURIComponent(other.origin + ROUTES.echo);
    const followed = await fetchFollowing(`${first.origin}${ROUTES.redirect}?to=${to}`, {
      headers: HEADERS,
    }, { secrets: ["s3cr3t-key"] });
    assert.equal(followed.url, other.origin + ROUTES.echo);
    const seen = await followed.response.json();
    assert.equal(seen["x-trace"], "visible");
    for (const name of ["x-api-key", "authorization", "cookie", "x-tenant"]) {
      assert.equal(seen[name], undefined, name);
    }
  } finally {
    await first.close();
    await other.close();
  }
});

Deno.test("fetchFollowing() keeps every header on a redirect within the origin", async () => {
  const server = serveHostile();
  try {
    const followed = await fetchFollowing(`${server.origin}${ROUTES.redirect}?to=/echo`, {
      headers: HEADERS,
    }, { secrets: ["s3cr3t-key"] });
    const seen = await followed.response.json();
    for (const [name, value] of Object.entries(HEADERS)) assert.equal(seen[name], value, name);
  } finally {
    await server.close();
  }
});

Deno.test("fetchFollowing() refuses a redirect to a file: URL, its secret redacted", async () => {
  const fake = () =>
    Promise.resolve(
      new Response(null, { status: 301, headers: { location: "file:///etc/passwd?k=s3cr3t" } }),
    );
  const followed = await fetchFollowing("http://api.test/", {}, {
    fetch: fake,
    secrets: ["s3cr3t"],
  });
  assert.equal(followed.response.status, 301);
  assert.equal(
    followed.refused,
    "redirect to a file: URL refused (only http and https are fetched): file:///etc/passwd?k=***",
  );
  const nowhere = await fetchFollowing("http://api.test/", {}, {
    fetch: () =>
      Promise.resolve(new Response(null, { status: 302, headers: { location: "http://[::1" } })),
  });
  assert.match(nowhere.refused!, /^redirect to an invalid URL refused/);
});

Deno.test("fetchFollowing() tells fetch refusing a request from a network failure", async () => {
  const network = () => Promise.reject(new TypeError("error sending request"));
  await assert.rejects(fetchFollowing("http://api.test/", {}, { fetch: network }), {
    name: "NetworkError",
    cause: new TypeError("error sending request"),
  });
  await assert.rejects(
    fetchFollowing("http://api.test/", { method: "GET", body: "x" }, { fetch: network }),
    { name: "RequestRefusedError", message: /^request refused: / },
  );
});

Deno.test("fetchFollowing() takes a port Deno's fetch blocks as a refusal, not the network", async () => {
  await assert.rejects(fetchFollowing("http://127.0.0.1:9/", {}), {
    name: "RequestRefusedError",
    message: /^request refused: Fetch failed: Requests to port 9 are blocked/,
  });
});

Deno.test("fetchFollowing() follows no 307 or 308 to another origin with a secret in the body", async () => {
  const first = serveHostile();
  const other = serveHostile();
  try {
    for (const status of [307, 308]) {
      const to = encodeURIComponent(other.origin + ROUTES.echo);
      const followed = await fetchFollowing(
        `${first.origin}${ROUTES.redirect}?status=${status}&to=${to}`,
        { method: "POST", body: '{"q":"a","key":"s3cr3t-key"}' },
        { secrets: ["s3cr3t-key"] },
      );
      assert.equal(followed.response.status, status);
      assert.equal(followed.url, `${first.origin}${ROUTES.redirect}?status=${status}&to=${to}`);
      assert.equal(
        followed.refused,
        `redirect to another origin (${other.origin}) refused: the request's body holds a ` +
          "secret ({{env.NAME}}) that would go with it",
      );
      await followed.response.body?.cancel();
    }
    assert.deepEqual(other.requests, [], "nothing reached the other origin");
  } finally {
    await first.close();
    await other.close();
  }
});

Deno.test("fetchFollowing() follows a redirect that carries no secret: same origin, a body without one, or a 303", async () => {
  const first = serveHostile();
  const other = serveHostile();
  try {
    const secret = { method: "POST", body: '{"key":"s3cr3t-key"}' };
    const options = { secrets: ["s3cr3t-key"] };
    const cases: [string, RequestInit][] = [
      [`?status=307&to=${ROUTES.echo}`, secret],
      [`?status=307&to=${encodeURIComponent(other.origin + ROUTES.echo)}`, {
        method: "POST",
        body: '{"q":"a"}',
      }],
      [`?status=303&to=${encodeURIComponent(other.origin + ROUTES.echo)}`, secret],
    ];
    for (const [query, init] of cases) {
      const followed = await fetchFollowing(
        `${first.origin}${ROUTES.redirect}${query}`,
        init,
        options,
      );
      assert.equal(followed.refused, undefined, query);
      assert.equal(followed.response.status, 200, query);
      await followed.response.body?.cancel();
    }
    assert.equal(other.requests.length, 2);
  } finally {
    await first.close();
    await other.close();
  }
});
