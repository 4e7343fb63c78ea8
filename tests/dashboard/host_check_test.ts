import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { boundHosts, hostCheck } from "../../lib/dashboard/host_check.ts";
import { fakeLive, seeded } from "./_seeded.ts";

async function status(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  host: string,
  init: RequestInit = {},
): Promise<number> {
  const res = await app.request("/api/jobs", { ...init, headers: { ...init.headers, host } });
  await res.body?.cancel();
  return res.status;
}

Deno.test("createDashboard() answers only its loopback names by default (DNS rebinding)", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store });
  for (const host of ["127.0.0.1:8788", "localhost:1234", "[::1]:8788", "LOCALHOST:8788"]) {
    assert.equal(await status(app, host), 200, host);
  }
  for (const host of ["evil.example:8788", "127.0.0.1.evil.example", "0.0.0.0:8788", "a b"]) {
    assert.equal(await status(app, host), 403, host);
  }
  store.close();
});

Deno.test("createDashboard() with boundHosts() answers the bound address and port only", async () => {
  const { store } = await seeded();
  const { live, state } = fakeLive();
  const app = createDashboard({
    store,
    live,
    token: "s3cret",
    allowedHosts: boundHosts("127.0.0.1", 8788),
  });
  for (const host of ["127.0.0.1:8788", "localhost:8788", "[::1]:8788"]) {
    assert.equal(await status(app, host), 200, host);
  }
  for (const host of ["127.0.0.1:8789", "127.0.0.1", "evil.example:8788", "user@127.0.0.1:8788"]) {
    assert.equal(await status(app, host), 403, host);
  }
  // Refused before the token is even looked at: a rebound page holding it changes nothing.
  const post = { method: "POST", headers: { authorization: "Bearer s3cret" } };
  const res = await app.request("/api/pause", {
    ...post,
    headers: { ...post.headers, host: "evil.example:8788" },
  });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /Host not allowed/);
  assert.equal(state.paused, false);
  store.close();
});

Deno.test("hostCheck() matches exact ports, bare names on any port, * anything", async () => {
  const { store } = await seeded();
  const named = createDashboard({ store, allowedHosts: ["dash.lan:80", "box.lan"] });
  assert.equal(await status(named, "dash.lan"), 200);
  assert.equal(await status(named, "dash.lan:80"), 200);
  assert.equal(await status(named, "dash.lan:8080"), 403);
  assert.equal(await status(named, "box.lan:9"), 200);
  const anyHost = createDashboard({ store, allowedHosts: ["*"] });
  assert.equal(await status(anyHost, "whatever.example:1"), 200);
  assert.throws(() => hostCheck(["a/b"]), TypeError);
  store.close();
});

Deno.test("boundHosts() lists the loopback names, the host given, or * for a wildcard bind", () => {
  assert.deepEqual(boundHosts("localhost", 9000), [
    "127.0.0.1:9000",
    "localhost:9000",
    "[::1]:9000",
  ]);
  assert.deepEqual(boundHosts("192.168.1.5", 8788), ["192.168.1.5:8788"]);
  assert.deepEqual(boundHosts("fe80::1", 8788), ["[fe80::1]:8788"]);
  assert.deepEqual(boundHosts("::", 8788), ["*"]);
  assert.deepEqual(boundHosts("dash.lan", 0), ["dash.lan"]);
});
