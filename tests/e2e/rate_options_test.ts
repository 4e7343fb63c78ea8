import assert from "node:assert/strict";
import { resolveRunConfig } from "../../cli/run_config.ts";
import { mockOptions } from "../../cli/mock.ts";
import { InputError } from "../../lib/errors.ts";
import { send } from "../http/_send_fields.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { openStore } from "../../lib/store/store.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { parseRate } from "../../lib/rate/rate_spec.ts";
import { statusCommand } from "../../cli/status.ts";

const URL_FLAG = { url: "http://127.0.0.1:1/search" };

Deno.test("resolveRunConfig() reads --max-redirects, --deadline and the breaker flags", () => {
  const config = resolveRunConfig({
    ...URL_FLAG,
    maxRedirects: "3",
    deadline: "90s",
    breakerThreshold: "4",
    breakerCooldown: "2s",
  }, {});
  assert.equal(config.options.maxRedirects, 3);
  assert.equal(config.options.deadlineMs, 90_000);
  assert.equal(config.options.breakerThreshold, 4);
  assert.equal(config.options.breakerCooldownMs, 2000);
  assert.equal(config.saved.maxRedirects, 3);
  assert.equal(config.saved.deadline, undefined); // a deadline is for one run, not saved
  const defaults = resolveRunConfig(URL_FLAG, {});
  assert.equal(defaults.options.maxRedirects, 10);
  assert.equal(defaults.options.deadlineMs, undefined);
  assert.equal(defaults.options.breakerThreshold, 10);
  assert.equal(defaults.options.breakerCooldownMs, 10_000);
  const off = resolveRunConfig({ ...URL_FLAG, breakerThreshold: "0", maxRedirects: "0" }, {});
  assert.equal(off.options.breakerThreshold, 0);
  assert.equal(off.options.maxRedirects, 0);
  assert.throws(() => resolveRunConfig({ ...URL_FLAG, maxRedirects: "-1" }, {}), InputError);
  assert.throws(() => resolveRunConfig({ ...URL_FLAG, deadline: "soon" }, {}), InputError);
});

Deno.test("resolveRunConfig() starts --rate auto where the job's last run settled", () => {
  const saved = { rate: "auto", discoveredRate: { rate: 56, ceiling: 60, at: "x" } };
  const config = resolveRunConfig(URL_FLAG, {}, saved);
  assert.deepEqual(config.rate, { kind: "auto" });
  assert.deepEqual(config.options.pacing?.adaptive, { initialRate: 56, ceiling: 60 });
  assert.deepEqual(config.saved.discoveredRate, saved.discoveredRate);
  // A fixed rate ignores (and drops) what auto found.
  const fixed = resolveRunConfig({ ...URL_FLAG, rate: "5/s" }, {}, saved);
  assert.equal(fixed.options.pacing?.adaptive, undefined);
  assert.equal(fixed.saved.discoveredRate, undefined);
});

Deno.test("mockOptions() reads the modes of sluice mock", () => {
  const options = mockOptions({
    rate: "50",
    limiter: "bucket",
    burst: "5",
    headers: "x",
    windows: "1000/min,50000/day",
    outage: ["5s-8s:2", "20000-21000"],
    retryAfter: "date",
    slowRate: "0.1",
    slowMs: "2000",
    resetRate: "0.01",
  });
  assert.deepEqual(options.windows, [
    { limit: 1000, periodMs: 60_000 },
    { limit: 50000, periodMs: 86_400_000 },
  ]);
  assert.deepEqual(options.outages, [
    { startMs: 5000, endMs: 8000, retryAfterS: 2 },
    { startMs: 20_000, endMs: 21_000, retryAfterS: 1 },
  ]);
  assert.equal(options.retryAfter, "date");
  assert.equal(options.slowRate, 0.1);
  assert.equal(options.slowMs, 2000);
  assert.equal(options.limiter, "bucket");
  assert.equal(options.headers, "x");
  assert.throws(() => mockOptions({ outage: ["8s-5s"] }), InputError);
  assert.throws(() => mockOptions({ windows: "auto" }), InputError);
  assert.throws(() => mockOptions({ slowRate: "2" }), InputError);
});

/** Two local servers (two origins) that redirect to each other. */
function redirectServers() {
  const seen: { path: string; method: string; body: string; auth: string | null }[] = [];
  let other = "";
  const handler = async (req: Request) => {
    const url = new URL(req.url);
    seen.push({
      path: url.pathname,
      method: req.method,
      body: await req.text(),
      auth: req.headers.get("authorization"),
    });
    const to = url.searchParams.get("to");
    const code = Number(url.searchParams.get("code") ?? 302);
    if (url.pathname === "/hop") {
      return new Response(null, { status: code, headers: { location: to ?? "/end" } });
    }
    if (url.pathname === "/loop") {
      return new Response(null, { status: 302, headers: { location: "/loop" } });
    }
    if (url.pathname === "/away") {
      return new Response(null, { status: 307, headers: { location: `${other}/end` } });
    }
    return new Response(`end ${req.method}`);
  };
  const a = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handler);
  const b = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handler);
  other = `http://127.0.0.1:${b.addr.port}`;
  return {
    base: `http://127.0.0.1:${a.addr.port}`,
    seen,
    close: async () => {
      await a.shutdown();
      await b.shutdown();
    },
  };
}

Deno.test("send() follows redirects up to --max-redirects and keeps the final URL", async () => {
  const servers = redirectServers();
  const get = (url: string) => ({ url, method: "GET", headers: {}, body: undefined });
  try {
    const ok = await send(get(`${servers.base}/hop?to=/hop%3Fto%3D/end`));
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "end GET");
    assert.equal(ok.url, `${servers.base}/end`);
    const loop = await send(get(`${servers.base}/loop`), { maxRedirects: 3 });
    assert.equal(loop.failure?.kind, "too_many_redirects");
    assert.match(loop.failure!.message, /more than 3 redirects/);
    assert.equal(loop.status, 302);
    const none = await send(get(`${servers.base}/hop`), { maxRedirects: 0 });
    assert.equal(none.failure?.kind, "too_many_redirects");
  } finally {
    await servers.close();
  }
});

Deno.test("send() redirects as fetch does: 303 to GET, 307 keeps the body, no credentials across origins", async () => {
  const servers = redirectServers();
  const post = (url: string) => ({
    url,
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer secret" },
    body: '{"q":1}',
  });
  try {
    const see = await send(post(`${servers.base}/hop?code=303`));
    assert.equal(see.body, "end GET");
    assert.deepEqual(servers.seen.at(-1), {
      path: "/end",
      method: "GET",
      body: "",
      auth: "Bearer secret",
    });
    const temp = await send(post(`${servers.base}/hop?code=307`));
    assert.equal(temp.body, "end POST");
    assert.equal(servers.seen.at(-1)!.body, '{"q":1}');
    const away = await send(post(`${servers.base}/away`));
    assert.equal(away.body, "end POST");
    assert.equal(servers.seen.at(-1)!.auth, null);
  } finally {
    await servers.close();
  }
});

async function mockJob(items: number, mock: Parameters<typeof serveMockApi>[0] = {}) {
  const server = serveMockApi({ ...mock, port: 0 });
  const store = await openStore(":memory:");
  const request = { url: `http://127.0.0.1:${server.port}/search?q={{q}}` };
  const template = compileTemplate(request);
  async function* queries() {
    for (let i = 0; i < items; i++) yield { vars: { q: `q${i}` }, line: i + 1 };
  }
  const input = { file: "q.jsonl", format: "jsonl" as const, settings: {}, queries: queries() };
  const { job } = await prepareJob(store, template, { name: "j", input, request });
  return {
    server,
    store,
    job,
    template,
    close: async () => {
      store.close();
      await server.shutdown();
    },
  };
}

Deno.test("runJob() with deadlineMs stops claiming at the deadline and leaves the rest pending", async () => {
  const t = await mockJob(100);
  try {
    const summary = await runJob(t.store, t.job, t.template, {
      rate: parseRate("20/s"),
      deadlineMs: 1000,
    });
    assert.equal(summary.stopped, true);
    assert.equal(summary.deadlineReached, true);
    assert.ok(
      summary.counts.done >= 15 && summary.counts.done <= 25,
      JSON.stringify(summary.counts),
    );
    assert.equal(summary.counts.pending, 100 - summary.counts.done);
    assert.equal(summary.counts.inflight, 0);
    // Without a deadline, the same job finishes.
    const rest = await runJob(t.store, t.job, t.template, { rate: parseRate("none") });
    assert.equal(rest.deadlineReached, false);
    assert.equal(rest.counts.done, 100);
  } finally {
    await t.close();
  }
});

Deno.test("runJob() opens the circuit breaker on an outage and probes before resuming", async () => {
  // Every request fails with 500 for the first 1.5 s.
  const t = await mockJob(30, { failRate: 0 });
  const realFetch = globalThis.fetch;
  const started = Date.now();
  const times: number[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    times.push(Date.now() - started);
    if (Date.now() - started < 1500) return Promise.resolve(new Response("down", { status: 500 }));
    return realFetch(input, init);
  };
  try {
    const summary = await runJob(t.store, t.job, t.template, {
      rate: parseRate("none"),
      concurrency: 4,
      fetch,
      retryBaseMs: 1,
      maxAttempts: 50,
      breakerThreshold: 5,
      breakerCooldownMs: 1000,
    });
    assert.equal(summary.counts.done, 30);
    assert.ok(summary.limiter.breaker!.opened >= 1, JSON.stringify(summary.limiter));
    // Open for a second after 5 failures: far fewer requests than a tight retry loop.
    const during = times.filter((ms) => ms < 1500).length;
    assert.ok(during <= 12, `sent ${during} requests into the outage`);
    assert.equal(summary.limiter.breaker!.state, "closed");
  } finally {
    await t.close();
  }
});

Deno.test("sluice status shows the rate --rate auto discovered", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-status-" });
  const db = `file:${dir}/s.db`;
  try {
    const store = await openStore(db);
    await store.jobs.create({
      name: "auto",
      request: { url: "http://127.0.0.1:1/" },
      options: { rate: "auto", discoveredRate: { rate: 56, ceiling: 60, at: "T" } },
      now: 0,
    });
    store.close();
    const lines: string[] = [];
    await statusCommand({ db }, { log: (l) => lines.push(l), error: (l) => lines.push(l) });
    assert.ok(lines.includes("  auto rate: 56/s (429s from 60/s), as of T"), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
