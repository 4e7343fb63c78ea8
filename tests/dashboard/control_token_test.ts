import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { controlToken } from "../../lib/dashboard/control_token.ts";
import { startDashboard } from "../../cli/start_dashboard.ts";
import { InputError } from "../../lib/errors.ts";
import { fakeLive, seeded } from "./_seeded.ts";

const TOKEN = "tok3n-that-must-never-appear-in-a-page";

/** Opens the address printed at start and returns the cookie it sets. */
async function cookieFrom(app: { request(path: string): Response | Promise<Response> }) {
  const res = await app.request(`/?token=${TOKEN}`);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

Deno.test("controlToken() trades ?token= for an HttpOnly, SameSite=Strict cookie and redirects without it", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store, live: fakeLive().live, token: TOKEN });
  const res = await app.request(`/?token=${TOKEN}`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/");
  const flags = res.headers.get("set-cookie")!.split(/;\s*/);
  assert.equal(flags[0], `sluice_token=${TOKEN}`);
  assert.deepEqual(flags.slice(1).sort(), ["HttpOnly", "Path=/", "SameSite=Strict"]);
  // Other parameters are kept; only the token leaves the address.
  const deep = await app.request(`/jobs/demo/failed?reason=http%20404&token=${TOKEN}`);
  assert.equal(deep.headers.get("location"), "/jobs/demo/failed?reason=http+404");
  // Two dashboards on one host (cookies ignore ports) keep a cookie each.
  const port = await app.request(`http://127.0.0.1:8788/?token=${TOKEN}`);
  assert.match(port.headers.get("set-cookie")!, /^sluice_token_8788=/);
  // A wrong or empty token sets nothing.
  for (const wrong of ["nope", ""]) {
    const refused = await app.request(`/?token=${wrong}`);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("set-cookie"), null);
    await refused.body?.cancel();
  }
  store.close();
});

Deno.test("createDashboard() never writes the token in a page, JSON, event or metric", async () => {
  const { store } = await seeded();
  const app = createDashboard({
    store,
    live: fakeLive().live,
    token: TOKEN,
    tokenForReads: true,
    eventsMs: 1,
    eventsPerStream: 1,
  });
  const cookie = await cookieFrom(app);
  const overview = await (await app.request("/", { headers: { cookie } })).text();
  assert.match(overview, /<button type="submit">pause<\/button>/, "the holder sees the controls");
  const paths = [
    "/",
    "/jobs/demo/failed",
    "/jobs/demo/items/a",
    "/api/jobs",
    "/api/jobs/demo/history",
    "/events",
    "/metrics",
    "/assets/app.js",
    "/assets/app.css",
  ];
  for (const path of paths) {
    const ways: Record<string, string>[] = [{ cookie }, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of ways) {
      const res = await app.request(path, { headers });
      assert.equal(res.status, 200, path);
      const text = await res.text();
      assert.ok(!text.includes(TOKEN), `${path} holds the token`);
      assert.ok(!text.includes(`name="token"`), path);
    }
  }
  store.close();
});

Deno.test("createDashboard() shows the controls only to a visitor holding the token", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store, live: fakeLive().live, token: TOKEN });
  const page = await (await app.request("/")).text();
  assert.doesNotMatch(page, /<button type="submit">pause/);
  assert.match(page, /open the address printed at start/);
  store.close();
});

Deno.test("createDashboard() lets the cookie change state only with proof of its own page", async () => {
  const { store } = await seeded();
  const { live, state } = fakeLive();
  const app = createDashboard({ store, live, token: TOKEN });
  const cookie = await cookieFrom(app);
  const refused: Record<string, string>[] = [
    { cookie },
    { cookie, origin: "http://evil.example" },
    { cookie, origin: "null" },
    { cookie, "sec-fetch-site": "cross-site" },
    // Another port on the same host is the same site, not the same origin.
    { cookie, "sec-fetch-site": "same-site", origin: "http://localhost:3000" },
    { cookie: "sluice_token=wrong", "x-sluice-request": "1" },
    { "x-sluice-request": "1" },
  ];
  for (const headers of refused) {
    const res = await app.request("/api/pause", { method: "POST", headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
    await res.body?.cancel();
  }
  assert.equal(state.paused, false);
  const accepted: Record<string, string>[] = [
    { cookie, "x-sluice-request": "1" },
    { cookie, origin: "http://localhost" },
    { cookie, "sec-fetch-site": "same-origin", origin: "null" },
    { authorization: `Bearer ${TOKEN}` },
  ];
  for (const headers of accepted) {
    state.paused = false;
    const res = await app.request("/api/pause", { method: "POST", headers });
    assert.equal(res.status, 200, JSON.stringify(headers));
    await res.body?.cancel();
    assert.equal(state.paused, true);
  }
  store.close();
});

Deno.test("createDashboard() refuses an empty token like a missing one", async () => {
  const { store } = await seeded();
  const { live, state } = fakeLive();
  const app = createDashboard({ store, live, token: "" });
  const form = new FormData();
  form.set("token", "");
  const attempts: RequestInit[] = [
    { method: "POST" },
    { method: "POST", headers: { authorization: "Bearer " } },
    { method: "POST", headers: { cookie: "sluice_token=", "x-sluice-request": "1" } },
    { method: "POST", body: form },
  ];
  for (const init of attempts) {
    const res = await app.request("/api/pause?token=", init);
    assert.equal(res.status, 403);
    await res.body?.cancel();
  }
  assert.equal(state.paused, false);
  assert.equal((await app.request("/?token=")).status, 401);
  assert.doesNotMatch(await (await app.request("/")).text(), /<form[^>]*method="post"/);
  assert.throws(
    () => createDashboard({ store, token: "", tokenForReads: true }),
    TypeError,
  );
  assert.throws(() => controlToken({ tokenForReads: true }), TypeError);
  store.close();
});

Deno.test("startDashboard() refuses to serve beyond loopback with an empty token", async () => {
  const { store } = await seeded();
  const io = { log: () => {}, error: () => {} };
  let served = false;
  const serve = () => {
    served = true;
    return { port: 8788, finished: Promise.resolve() };
  };
  const stop = AbortSignal.abort();
  assert.throws(
    () => startDashboard(store, { host: "0.0.0.0", token: "" }, serve, stop, io),
    (error) => error instanceof InputError && /empty --token/.test(error.message),
  );
  assert.equal(served, false);
  // On loopback an empty token is made up like a missing one; the address carries it.
  const lines: string[] = [];
  const { url } = startDashboard(store, { token: "" }, serve, stop, {
    log: () => {},
    error: (line: string) => lines.push(line),
  }, fakeLive().live);
  assert.match(url, /^http:\/\/127\.0\.0\.1:8788\/\?token=[0-9a-f]{32}$/);
  assert.deepEqual(lines, [`sluice: dashboard on ${url}`]);
  store.close();
});
