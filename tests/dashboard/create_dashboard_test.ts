import assert from "node:assert/strict";
import { createDashboard, type LiveRun } from "../../lib/dashboard/create_dashboard.ts";
import { DASHBOARD_JS } from "../../lib/dashboard/assets.ts";
import { EVIL, fakeLive, seeded } from "./_seeded.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";

Deno.test("dashboard overview shows counts, escapes response data and sends a CSP", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store });
  const res = await app.request("/");
  assert.equal(res.status, 200);
  const csp = res.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  const body = await res.text();
  assert.match(body, /<h2>demo/);
  assert.match(body, /data-field="demo\|done">1</);
  assert.match(body, /data-field="demo\|pending">1</);
  assert.match(body, /http 404/);
  assert.ok(!body.includes(EVIL), "raw markup from the data must not appear");
  store.close();
});

Deno.test("dashboard lists failed items by reason and shows an item with its attempts, escaped", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store });
  const failed = await (await app.request("/jobs/demo/failed?reason=http%20404")).text();
  assert.ok(failed.includes("&lt;script&gt;"), failed);
  assert.ok(!failed.includes(EVIL));
  const none = await (await app.request("/jobs/demo/failed?reason=timeout")).text();
  assert.match(none, /None\./);
  const item = await app.request(`/jobs/demo/items/${encodeURIComponent(EVIL)}`);
  assert.equal(item.status, 200);
  const text = await item.text();
  assert.match(text, /attempt 1: 404/);
  assert.ok(!text.includes(EVIL));
  assert.equal((await app.request("/jobs/demo/items/nope")).status, 404);
  assert.equal((await app.request("/jobs/nope/failed")).status, 404);
  store.close();
});

Deno.test("dashboard JSON API and Prometheus metrics report the same counts", async () => {
  const { store } = await seeded();
  const clock = new FakeClock(10_000);
  const stats = new RunStats({ total: 3, done: 1, failed: 1 }, () => clock.now());
  stats.attempt(200, 8, "done");
  const live: LiveRun = { job: "demo", snapshot: () => stats.snapshot() };
  const app = createDashboard({ store, live });
  const api = await (await app.request("/api/jobs")).json();
  assert.equal(api.jobs.length, 1);
  assert.deepEqual(
    { total: api.jobs[0].counts.total, done: api.jobs[0].counts.done },
    { total: 3, done: 1 },
  );
  assert.equal(api.jobs[0].live.sent, 1);
  const metrics = await app.request("/metrics");
  assert.match(metrics.headers.get("content-type")!, /^text\/plain/);
  const text = await metrics.text();
  assert.match(text, /^sluice_items\{job="demo",state="done"\} 1$/m);
  assert.match(text, /^sluice_items\{job="demo",state="failed"\} 1$/m);
  assert.match(text, /^sluice_responses_total\{job="demo",status="200"\} 1$/m);
  const history = await (await app.request("/api/jobs/demo/history")).json();
  assert.equal(history.history[0].rate, 2);
  store.close();
});

Deno.test("dashboard serves its own assets and streams live figures over SSE", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store, eventsMs: 1, eventsPerStream: 2 });
  const js = await app.request("/assets/app.js");
  assert.match(js.headers.get("content-type")!, /javascript/);
  assert.match(await js.text(), /EventSource/);
  const events = await app.request("/events");
  assert.match(events.headers.get("content-type")!, /text\/event-stream/);
  const text = await events.text();
  const data = text.split("\n").filter((l) => l.startsWith("data: "));
  assert.equal(data.length, 2);
  assert.equal(JSON.parse(data[0]!.slice(6)).jobs.demo.done, 1);
  store.close();
});

Deno.test("dashboard controls need the token, and refuse reads without it when told to", async () => {
  const { store } = await seeded();
  let paused = false;
  let rate = "10/s";
  const live: LiveRun = {
    job: "demo",
    snapshot: () => new RunStats({ total: 3, done: 1, failed: 1 }).snapshot(),
    pause: () => paused = true,
    resume: () => paused = false,
    paused: () => paused,
    rate: () => rate,
    setRate: (r) => {
      if (!/^\d+\/s$/.test(r)) throw new RangeError(`Cannot parse rate: current value is '${r}'`);
      rate = r;
    },
  };
  const app = createDashboard({ store, live, token: "s3cret" });
  assert.equal((await app.request("/api/pause", { method: "POST" })).status, 403);
  assert.equal(paused, false);
  const ok = await app.request("/api/pause", {
    method: "POST",
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(ok.status, 200);
  assert.equal(paused, true);
  const form = new FormData();
  form.set("token", "s3cret");
  form.set("rate", "25/s");
  assert.equal((await app.request("/api/rate", { method: "POST", body: form })).status, 200);
  assert.equal(rate, "25/s");
  const bad = new FormData();
  bad.set("token", "s3cret");
  bad.set("rate", "fast");
  assert.equal((await app.request("/api/rate", { method: "POST", body: bad })).status, 400);
  assert.equal(rate, "25/s");
  assert.equal((await app.request("/api/pause", { method: "GET" })).status, 404);

  const guarded = createDashboard({ store, token: "s3cret", tokenForReads: true });
  assert.equal((await guarded.request("/")).status, 401);
  // The token in the address is traded for a cookie, then the page is served with it.
  const first = await guarded.request("/?token=s3cret");
  assert.equal(first.status, 303);
  const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
  assert.equal((await guarded.request("/", { headers: { cookie } })).status, 200);
  assert.equal((await guarded.request("/assets/app.css")).status, 200);
  store.close();
});

Deno.test("dashboard sends secure headers on every answer, refusals included, and no HSTS", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store, token: "s3cret", tokenForReads: true });
  for (const res of [await app.request("/"), await app.request("/assets/app.css")]) {
    assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("strict-transport-security"), null);
    await res.body?.cancel();
  }
  // A token of another length or with one character changed is refused alike.
  for (const wrong of ["s3cre", "s3cret!", "s3creT"]) {
    const res = await app.request("/api/jobs", { headers: { authorization: `Bearer ${wrong}` } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  store.close();
});

Deno.test("dashboard keeps a job name with quotes and bars intact in pages and live updates", async () => {
  const { store } = await seeded();
  const name = `say "hi" | [x]`;
  await store.jobs.create({ name, request: { url: "http://x/" }, options: {}, now: 1 });
  const app = createDashboard({ store, eventsMs: 1, eventsPerStream: 1 });
  const page = await (await app.request("/")).text();
  assert.ok(page.includes(`data-field="say &quot;hi&quot; | [x]|done"`), page);
  const events = await (await app.request("/events")).text();
  const data = JSON.parse(events.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
  assert.equal(data.jobs[name].total, 0);
  // The script finds elements by comparing data attributes, never by a selector built from a name.
  assert.doesNotMatch(DASHBOARD_JS, /querySelector(All)?\([^)]*\+/);
  const failed = await app.request(`/jobs/${encodeURIComponent(name)}/failed`);
  assert.equal(failed.status, 200);
  await failed.body?.cancel();
  store.close();
});

Deno.test("dashboard answers 400 with a short JSON error to bad query parameters and bodies", async () => {
  const { store } = await seeded();
  const { live, state } = fakeLive();
  const app = createDashboard({ store, live, token: "s3cret" });
  for (const since of ["abc", "-1", "1e3", "", "1.5", "99999999999999999999"]) {
    const res = await app.request(`/api/jobs/demo/history?since=${since}`);
    assert.equal(res.status, 400, since);
    assert.match(res.headers.get("content-type")!, /json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["error"]);
    assert.match(body.error, /^Cannot parse since/);
    assert.doesNotMatch(body.error, /\n\s+at /);
  }
  assert.equal(
    (await (await app.request("/api/jobs/demo/history?since=3000")).json()).history.length,
    1,
  );
  assert.deepEqual(
    (await (await app.request("/api/jobs/demo/history?since=3001")).json()).history,
    [],
  );
  const auth = { authorization: "Bearer s3cret" };
  const bodies: RequestInit[] = [
    { headers: { ...auth, "content-type": "application/json" }, body: "null" },
    { headers: { ...auth, "content-type": "application/json" }, body: "[1]" },
    { headers: { ...auth, "content-type": "application/json" }, body: "{" },
    { headers: { ...auth, "content-type": "multipart/form-data" }, body: "x" },
  ];
  for (const init of bodies) {
    const res = await app.request("/api/rate", { method: "POST", ...init });
    assert.equal(res.status, 400, String(init.body));
    assert.match((await res.json()).error, /^Cannot parse/);
  }
  assert.equal(state.rate, "10/s");
  store.close();
});
