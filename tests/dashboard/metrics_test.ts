import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { prometheusText, statusClass } from "../../lib/dashboard/metrics.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { fakeLive, seeded } from "./_seeded.ts";

const PROMTOOL = "/usr/bin/promtool";
const hasPromtool = await Deno.stat(PROMTOOL).then(() => true, () => false);

/** A run's statistics with answers of every kind and durations across the buckets. */
function busyStats(): RunStats {
  const clock = new FakeClock(60_000);
  const stats = new RunStats({ total: 100, done: 0, failed: 0 }, () => clock.now());
  const durations = [0.4, 3, 7, 20, 45, 90, 200, 450, 900, 2_000, 4_000, 9_000, 25_000, 70_000];
  durations.forEach((ms, i) => stats.attempt(200, ms, i % 5 === 0 ? "failed" : "done", "x"));
  stats.attempt(429, 12, "throttled");
  stats.attempt(503, 80, "retry");
  stats.attempt(undefined, 30_000, "retry");
  stats.attempt(404, 5, "failed", "http 404");
  return stats;
}

/** The samples of one metric: labels text to value. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] === name) found.set(match[2]!, Number(match[3]));
  }
  return found;
}

Deno.test("prometheusText() writes the request-duration histogram with buckets adding up to its count", () => {
  const live = busyStats().snapshot();
  const counts = { total: 100, pending: 80, inflight: 2, done: 12, failed: 6, possiblySent: 0 };
  const text = prometheusText([{ name: "demo", counts, live }]);
  assert.match(text, /^# TYPE sluice_request_duration_seconds histogram$/m);
  const buckets = samples(text, "sluice_request_duration_seconds_bucket");
  const count = samples(text, "sluice_request_duration_seconds_count").get('job="demo"');
  const sum = samples(text, "sluice_request_duration_seconds_sum").get('job="demo"')!;
  assert.equal(count, 18);
  const cumulative = [...buckets.values()];
  assert.equal(buckets.get('job="demo",le="+Inf"'), count);
  // Cumulative: never decreasing; the increments, one per bucket, add up to the count.
  const increments = cumulative.map((n, i) => n - (cumulative[i - 1] ?? 0));
  assert.ok(increments.every((n) => n >= 0), String(cumulative));
  assert.equal(increments.reduce((a, b) => a + b, 0), count);
  // Each duration lands in the first bucket whose bound holds it.
  assert.equal(buckets.get('job="demo",le="0.005"'), 3); // 0.4, 3 and 5 ms
  assert.equal(buckets.get('job="demo",le="60"'), 17); // all but 70 s
  const expectedSum = [0.4, 3, 7, 20, 45, 90, 200, 450, 900, 2_000, 4_000, 9_000, 25_000, 70_000]
    .reduce((a, b) => a + b, 12 + 80 + 30_000 + 5) / 1000;
  assert.ok(Math.abs(sum - expectedSum) < 1e-9, `${sum} vs ${expectedSum}`);
});

Deno.test("prometheusText() counts answers by status class and attempts by outcome", () => {
  const live = busyStats().snapshot();
  const counts = { total: 100, pending: 80, inflight: 2, done: 12, failed: 6, possiblySent: 1 };
  const gauges = {
    allowedRate: 20,
    inflight: 3,
    concurrency: 16,
    paused: false,
    cooldownSeconds: 0,
  };
  const text = prometheusText([{ name: "demo", counts, live, gauges }]);
  assert.deepEqual(Object.fromEntries(samples(text, "sluice_responses_by_class_total")), {
    'job="demo",class="2xx"': 14,
    'job="demo",class="429"': 1,
    'job="demo",class="4xx"': 1,
    'job="demo",class="5xx"': 1,
    'job="demo",class="error"': 1,
  });
  assert.deepEqual(Object.fromEntries(samples(text, "sluice_attempts_total")), {
    'job="demo",outcome="done"': 11,
    'job="demo",outcome="failed"': 4,
    'job="demo",outcome="retry"': 2,
    'job="demo",outcome="cooldown"': 1,
  });
  assert.match(text, /^sluice_queue_depth\{job="demo"\} 80$/m);
  assert.match(text, /^sluice_allowed_rate\{job="demo"\} 20$/m);
  assert.match(text, /^sluice_requests_in_flight\{job="demo"\} 3$/m);
  assert.match(text, /^sluice_concurrency\{job="demo"\} 16$/m);
  assert.match(text, /^sluice_paused\{job="demo"\} 0$/m);
  assert.equal(statusClass("302"), "3xx");
  assert.equal(statusClass("error"), "error");
});

Deno.test({
  name: hasPromtool
    ? "/metrics passes promtool check metrics"
    : `/metrics passes promtool check metrics (skipped: ${PROMTOOL} is not installed)`,
  ignore: !hasPromtool,
  async fn() {
    const { store } = await seeded();
    const stats = busyStats();
    const { live } = fakeLive();
    const limiter = new RateLimiter({
      windows: [{ limit: 20, periodMs: 1000 }],
      units: { tokens: { windows: [{ limit: 6000, periodMs: 60_000 }] } },
    });
    const grant = await limiter.acquire(undefined, { tokens: 10 });
    limiter.observe(grant, {
      status: 200,
      headers: undefined,
      now: Date.now(),
      usage: { tokens: 30 },
    });
    const app = createDashboard({
      store,
      live: {
        ...live,
        snapshot: () => stats.snapshot(),
        limiter: () => limiter,
        concurrency: () => 8,
      },
    });
    const text = await (await app.request("/metrics")).text();
    // A job name that needs escaping, and a job without a live run.
    await store.jobs.create({
      name: 'say "hi"\\',
      request: { url: "http://x/" },
      options: {},
      now: 1,
    });
    const more = await (await app.request("/metrics")).text();
    store.close();
    for (const exposition of [text, more]) {
      const check = new Deno.Command(PROMTOOL, {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = check.stdin.getWriter();
      await writer.write(new TextEncoder().encode(exposition));
      await writer.close();
      const { code, stdout, stderr } = await check.output();
      const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, said);
      assert.equal(said.trim(), "", said);
    }
    assert.match(text, /^sluice_request_duration_seconds_bucket\{job="demo",le="\+Inf"\} 18$/m);
    assert.match(text, /^sluice_concurrency\{job="demo"\} 8$/m);
    assert.match(text, /^sluice_unit_spent_total\{job="demo",unit="tokens"\} 30$/m);
  },
});

Deno.test("prometheusText() counts a 503 outage as unavailable: 0 counted as throttled (429)", () => {
  const stats = new RunStats({ total: 10, done: 0, failed: 0 }, () => 0);
  stats.attempt(503, 5, "throttled"); // 503 with Retry-After: the job's cooldown
  stats.attempt(503, 5, "retry"); // 503 without
  stats.attempt(200, 5, "done");
  const counts = { total: 10, pending: 9, inflight: 0, done: 1, failed: 0, possiblySent: 0 };
  const gauges = { paused: false, cooldownSeconds: 4, breakerSeconds: 0, cooldowns: 2 };
  const text = prometheusText([{ name: "j", counts, live: stats.snapshot(), gauges }]);
  assert.match(text, /^sluice_throttled_total\{job="j"\} 0$/m);
  assert.match(text, /^sluice_unavailable_total\{job="j"\} 2$/m);
  assert.match(text, /^sluice_responses_by_class_total\{job="j",class="5xx"\} 2$/m);
  assert.doesNotMatch(text, /class="429"/);
  assert.match(text, /^sluice_cooldown_seconds\{job="j"\} 4$/m);
  assert.match(text, /^sluice_cooldowns_total\{job="j"\} 2$/m);
  assert.match(text, /^sluice_breaker_open_seconds\{job="j"\} 0$/m);
});

Deno.test("/metrics and the limiter panel show each cost unit's use, what is left and what sets the pace", async () => {
  const { store } = await seeded();
  const { live } = fakeLive();
  const limiter = new RateLimiter({
    windows: [{ limit: 50, periodMs: 1000 }],
    // A burst of 1,000 tokens: the test's three requests go at once.
    units: { tokens: { windows: [{ limit: 6000, periodMs: 60_000 }], burst: 1000 } },
  });
  const app = createDashboard({ store, live: { ...live, limiter: () => limiter } });
  // Before any answer: nothing spent, the whole window left, the requests' window sets the pace.
  const before = await (await app.request("/metrics")).text();
  assert.match(before, /^sluice_unit_spent_total\{job="demo",unit="tokens"\} 0$/m);
  assert.match(before, /^sluice_unit_remaining\{job="demo",unit="tokens"\} 6000$/m);
  assert.doesNotMatch(before, /^sluice_unit_per_request/m);
  assert.match(before, /^sluice_pace_info\{job="demo",by="--rate 50\/s"\} 1$/m);
  for (let i = 0; i < 3; i++) {
    const grant = await limiter.acquire(undefined, { tokens: 100 });
    limiter.observe(grant, {
      status: 200,
      headers: undefined,
      now: Date.now(),
      usage: { tokens: 200 },
    });
  }
  const text = await (await app.request("/metrics")).text();
  assert.deepEqual(
    [
      samples(text, "sluice_unit_spent_total").get('job="demo",unit="tokens"'),
      samples(text, "sluice_unit_remaining").get('job="demo",unit="tokens"'),
      samples(text, "sluice_unit_per_request").get('job="demo",unit="tokens"'),
    ],
    [600, 5400, 200],
  );
  // 100 tokens a second at 200 a request: the tokens' window sets the pace, at 0.5/s.
  assert.match(text, /^sluice_pace_info\{job="demo",by="--rate tokens=6,000\/min"\} 1$/m);
  assert.match(text, /^sluice_allowed_rate\{job="demo"\} 0\.5$/m);
  const page = await (await app.request("/")).text();
  assert.match(
    page,
    /data-field="demo\|limiter\.units">tokens 600 spent, 5,400 left of 6,000\/min</,
  );
  assert.match(page, /data-field="demo\|limiter\.allowed">0\.5\/s \(--rate tokens=6,000\/min\)</);
  store.close();
});
