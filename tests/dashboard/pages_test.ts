import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import type { LiveRun } from "../../lib/dashboard/live_run.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { openStore, type Store } from "../../lib/store/store.ts";
import { outcome, response } from "../store/_fixtures.ts";
import { EVIL } from "./_seeded.ts";

/**
 * Job "api" of 130 items, 120 failed: k0–k59 with 503 (http_5xx), k60–k99 timed
 * out, k100–k119 with 404; the rest pending. The template holds a secret from
 * the environment and a credential header.
 */
async function failedJob(): Promise<Store> {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({
    name: "api",
    request: {
      url: "https://api.test/search?key={{env.API_KEY}}&q={{q}}",
      headers: { "x-api-key": "literal-secret", accept: "application/json" },
    },
    options: {},
    now: 0,
  });
  const rows = Array.from(
    { length: 130 },
    (_, i): [number, string, string] => [i, `k${i}`, JSON.stringify({ q: `q${i}` })],
  );
  await store.queue.importItems(job.id, rows, 0);
  const claimed = await store.queue.claim(job.id, "w", 120, 1, 60_000);
  const failure = (i: number) =>
    i < 60
      ? { lastStatus: 503, lastError: "http 503", errorClass: "http_5xx" as const }
      : i < 100
      ? { lastStatus: null, lastError: "timeout after 30s", errorClass: "timeout" as const }
      : { lastStatus: 404, lastError: "http 404", errorClass: "http_4xx" as const };
  await store.results.write(
    "w",
    job.id,
    claimed.map((item) =>
      outcome(item.id, {
        status: "failed",
        ...failure(item.seq),
        response: { ...response(item.seq, EVIL, failure(item.seq).lastStatus ?? 0), at: 10 },
      })
    ),
    10 + 0,
  );
  return store;
}

Deno.test("failed items page filters by class, status and key, and pages through the rest", async () => {
  const store = await failedJob();
  const app = createDashboard({ store });
  const keys = async (query: string) => {
    const text = await (await app.request(`/jobs/api/failed${query}`)).text();
    return [...text.matchAll(/\/jobs\/api\/items\/(k\d+)"/g)].map((m) => m[1]!);
  };
  const all = await keys("");
  assert.equal(all.length, 50);
  const page = await (await app.request("/jobs/api/failed")).text();
  assert.match(page, /<option value="http_5xx"\s*>5xx \(60\)<\/option>/);
  assert.match(page, /<option value="503"\s*>503 \(60\)<\/option>/);
  assert.match(page, /href="\/jobs\/api\/failed\?offset=50">older →/);
  assert.ok(!page.includes(EVIL));
  // Pages do not overlap and end where the items do.
  const second = await keys("?offset=50");
  const third = await keys("?offset=100");
  assert.deepEqual([second.length, third.length], [50, 20]);
  assert.equal(new Set([...all, ...second, ...third]).size, 120);
  assert.doesNotMatch(await (await app.request("/jobs/api/failed?offset=100")).text(), /older →/);
  assert.equal((await keys("?class=timeout")).length, 40);
  assert.ok((await keys("?class=timeout")).every((k) => Number(k.slice(1)) >= 60));
  assert.deepEqual((await keys("?status=404&offset=0")).length, 20);
  assert.deepEqual((await keys("?class=http_5xx&key=k5")).sort(), [
    "k5",
    "k50",
    "k51",
    "k52",
    "k53",
    "k54",
    "k55",
    "k56",
    "k57",
    "k58",
    "k59",
  ]);
  // Filters the page does not know are ignored rather than failing.
  assert.equal((await keys("?class=nonsense&status=abc&offset=-3")).length, 50);
  store.close();
});

Deno.test("item page renders the request with secrets as *** and shows every attempt as text", async () => {
  const store = await failedJob();
  const app = createDashboard({ store });
  const res = await app.request("/jobs/api/items/k3");
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /GET https:\/\/api\.test\/search\?key=\*\*\*&amp;q=q3/);
  assert.match(text, /x-api-key: \*\*\*/);
  assert.match(text, /accept: application\/json/);
  assert.ok(!text.includes("literal-secret"));
  assert.match(text, /attempt 1: 503/);
  assert.ok(!text.includes(EVIL));
  assert.ok(text.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  store.close();
});

/** Job "api" running in this process at 20/s, 8 in flight at most: pause and resume work. */
function liveApi(stats: RunStats, limiter: RateLimiter): LiveRun {
  return {
    job: "api",
    snapshot: () => stats.snapshot(),
    limiter: () => limiter,
    concurrency: () => 8,
    pause: () => limiter.hold(true),
    resume: () => limiter.hold(false),
    paused: () => limiter.held,
    rate: () => "20/s",
    setRate: () => {},
  };
}

Deno.test("overview of a running job: charts, limiter panel, workers; paused shows paused and no ETA", async () => {
  const store = await failedJob();
  const job = (await store.jobs.find("api"))!;
  await store.workers.heartbeat(
    { id: "w-here", jobId: job.id, host: "box", pid: Deno.pid },
    Date.now(),
  );
  const stats = new RunStats({ total: 130, done: 0, failed: 120 });
  stats.attempt(200, 10, "done");
  const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }], burst: 4 });
  const live = liveApi(stats, limiter);
  const app = createDashboard({ store, live, token: "t" });
  const page = await (await app.request("/jobs/api")).text();
  for (const chart of ["throughput", "statuses", "retries", "latency", "inflight"]) {
    assert.match(page, new RegExp(`data-chart="api\\|${chart}"`));
  }
  assert.match(page, /data-field="api\|limiter.configured">20\/s · burst 4</);
  assert.match(page, /data-field="api\|limiter.allowed">20\/s \(--rate 20\/s\)</);
  assert.match(page, /data-field="api\|limiter.inflight">0 of 8</);
  assert.match(page, /data-state="api" data-is="running">running</);
  assert.match(page, /<td class="host">box\s*<span class="tag">this process<\/span>\s*<\/td>/);
  assert.match(page, /<td class="num">1<\/td>\s*<td class="num">100%<\/td>/);
  const paused = await app.request("/api/pause", {
    method: "POST",
    headers: { authorization: "Bearer t" },
  });
  assert.deepEqual(await paused.json(), { ok: true, paused: true, rate: "20/s" });
  const after = await (await app.request("/")).text();
  assert.match(after, /data-state="api" data-is="paused">paused</);
  assert.match(after, /data-field="api\|eta">paused</);
  assert.match(after, /data-field="api\|limiter.allowed">0\/s \(paused\)</);
  store.close();
});

Deno.test("paused, the dashboard shows sending 0/s at once, and the limiter panel with it", async () => {
  const store = await failedJob();
  const stats = new RunStats({ total: 130, done: 0, failed: 120 });
  for (let i = 0; i < 5; i++) stats.attempt(200, 10, "done");
  const limiter = new RateLimiter({ windows: [{ limit: 20, periodMs: 1000 }] });
  const live = liveApi(stats, limiter);
  const app = createDashboard({ store, live, token: "t" });
  const sending = /data-field="api\|sendRate">([^<]*)</;
  assert.notEqual(sending.exec(await (await app.request("/")).text())?.[1], "0/s");
  await app.request("/api/pause", { method: "POST", headers: { authorization: "Bearer t" } });
  const page = await (await app.request("/")).text();
  assert.equal(sending.exec(page)?.[1], "0/s");
  assert.match(page, /data-field="api\|limiter.sending">0\/s</);
  assert.match(page, /<dt>claimed<\/dt>/);
  assert.match(page, /<dt>sent, not answered<\/dt>/);
  store.close();
});

Deno.test("a finished run explains itself: the limiter panel of its last run, its pace, figures; workers add up", async () => {
  const store = await failedJob();
  const job = (await store.jobs.find("api"))!;
  await store.jobs.saveLastRun(job.id, {
    startedAt: 1_000,
    endedAt: 181_000,
    ended: "finished",
    counts: { total: 130, done: 0, failed: 120, pending: 10 },
    sent: 900,
    byStatus: { "503": 600, "404": 20, error: 280 },
    retried: 700,
    throttled: 0,
    unavailable: 600,
    latency: { p50: 40, p95: 44, p99: 51 },
    pace: [{ by: "--rate 20/s", ms: 60_000 }, {
      by: "cooldowns after 503s (no wait time given)",
      ms: 120_000,
    }],
    limits: {
      rate: "20/s",
      burst: 4,
      concurrency: 8,
      advertised: ['"default": 25 per 1s'],
    },
    cooldowns: { count: 30, totalMs: 120_000, longestMs: 10_000, byCause: { backoff: 30 } },
    breakerOpened: 2,
    failures: { "http 503 (after 5 attempts)": 60 },
    units: [{ unit: "tokens", spent: 81_000, left: 9_000, of: "90,000/min" }],
  });
  // The rows of its last run, as the run saves them every few seconds.
  const point = { done: 0, failed: 120, throttled: 0, retried: 700, rate: 0, p50Ms: 40, p95Ms: 44 };
  await store.history.add(job.id, { ...point, at: 176_000, sent: 890, statuses: { "503": 590 } });
  await store.history.add(job.id, { ...point, at: 181_000, sent: 900, statuses: { "503": 600 } });
  const app = createDashboard({ store });
  const page = await (await app.request("/")).text();
  assert.match(page, /aria-label="rate limiter, last run"/);
  assert.match(
    page,
    /data-field="api\|run.pace">cooldowns after 503s \(no wait time given\) 67% of the time, --rate 20\/s 33%</,
  );
  assert.match(page, /data-field="api\|run.configured">20\/s · burst 4 · concurrency 8</);
  assert.match(page, /data-field="api\|run.quota">&quot;default&quot;: 25 per 1s</);
  assert.match(page, /data-field="api\|run.breaker">opened 2×</);
  assert.match(page, /data-field="api\|run.cooldown">cooled down 30 times, 2m00s in all/);
  assert.match(page, /data-field="api\|run.duration">3m00s</);
  assert.match(page, /data-field="api\|run.unavailable">600</);
  assert.match(page, /data-field="api\|run.throttled">0</);
  assert.match(page, /data-field="api\|run.latency">40 ms · 44 ms · 51 ms</);
  assert.match(
    page,
    /<dt>cost units<\/dt>\s*<dd data-field="api\|run.units">tokens 81,000 spent, 9,000 left of 90,000\/min</,
  );
  // The figures stay: the live feed sends the same fields for a job not running.
  const feed = await (await app.request("/api/jobs")).json();
  assert.equal(feed.jobs[0].lastRun.unavailable, 600);
  store.close();
});

Deno.test("the workers table adds up to the job's done: earlier runs and workers gone in a row of their own", async () => {
  const { seeded } = await import("./_seeded.ts");
  const { store, jobId } = await seeded();
  await store.workers.heartbeat({ id: "w2", jobId, host: "other", pid: 4242 }, Date.now(), {
    done: 0,
  });
  const page = await (await createDashboard({ store }).request("/")).text();
  assert.match(
    page,
    /<tr class="rest">\s*<td class="host">earlier runs and workers gone\s*<\/td>\s*<td class="num"><\/td>\s*<td class="num">1<\/td>/,
  );
  store.close();
});
