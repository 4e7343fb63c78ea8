/**
 * End-to-end pacing checks: the real mock API on 127.0.0.1 and `runJob` in
 * this process, with real time. These check counts and ratios of pacing, so
 * each run is long enough (8-18 s) for one-off timer hiccups not to matter;
 * the margins are explained where a figure depends on timing.
 */
import assert from "node:assert/strict";
import { compileTemplate } from "../../lib/job/template.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { openStore } from "../../lib/store/store.ts";
import { runJob, type RunJobOptions, type RunSummary } from "../../lib/run/run_job.ts";
import { serveMockApi, type ServeMockOptions } from "../../lib/mock/mock_server.ts";
import { parseRate } from "../../lib/rate/rate_spec.ts";

// Rate accuracy needs the CPU to itself: these run in `deno task test:timing`, after the
// parallel suite, where no other test file competes for the two cores.
const TIMING = { ignore: Deno.env.get("SLUICE_TIMING_TESTS") !== "1" };

/** Mock counters sampled over time: [ms since start, 2xx so far, 429 so far]. */
type Sample = [number, number, number];

interface E2eResult {
  summary: RunSummary;
  requests: number;
  ok: number;
  throttled: number;
  /** 2xx per second between the mock's first and last request. */
  achieved: number;
  samples: Sample[];
}

async function runAgainstMock(
  items: number,
  mock: ServeMockOptions,
  options: RunJobOptions,
): Promise<E2eResult> {
  const server = serveMockApi({ ...mock, port: 0 });
  const store = await openStore(":memory:");
  const samples: Sample[] = [];
  const started = Date.now();
  const sample = () => {
    const s = server.api.stats;
    samples.push([Date.now() - started, s.byStatus["200"] ?? 0, s.throttled]);
  };
  const timer = setInterval(sample, 250);
  try {
    const request = {
      url: `http://127.0.0.1:${server.port}/search`,
      method: "POST",
      body: { q: "{{q}}" },
    };
    const template = compileTemplate(request);
    const input = {
      file: "e2e.jsonl",
      format: "jsonl" as const,
      settings: {},
      queries: queries(items),
    };
    const { job } = await prepareJob(store, template, { name: "e2e", input, request });
    const summary = await runJob(store, job, template, {
      concurrency: 64,
      ...options,
    });
    sample();
    const s = server.api.stats;
    const ok = s.byStatus["200"] ?? 0;
    const span = (s.lastAt! - s.firstAt!) / 1000;
    return {
      summary,
      requests: s.requests,
      ok,
      throttled: s.throttled,
      achieved: ok / span,
      samples,
    };
  } finally {
    clearInterval(timer);
    store.close();
    await server.shutdown();
  }
}

async function* queries(n: number) {
  for (let i = 0; i < n; i++) yield { vars: { q: `query ${i}` }, line: i + 1 };
}

/** Prints a test's figures (stderr; shown with the test's output). */
function report(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** 2xx per second between two times (ms since start), from the samples. */
function rateBetween(samples: Sample[], from: number, to: number): number {
  const at = (t: number) => samples.reduce((best, s) => (s[0] <= t ? s : best), samples[0]!);
  const a = at(from), b = at(to);
  return ((b[1] - a[1]) / (b[0] - a[0])) * 1000;
}

function describe(r: E2eResult): string {
  const { summary: _, samples: __, ...figures } = r;
  return JSON.stringify({ ...figures, limiter: r.summary.limiter });
}

Deno.test({
  ...TIMING,
  name: "e2e: --rate 40/s --burst 1 against mock --rate 40: ≤1% 429s, ≥95% of 40/s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 400 items: 10 s at 40/s. The mock's 1-second windows allow 40 each.
    const r = await runAgainstMock(400, { rate: 40 }, { rate: parseRate("40/s"), burst: 1 });
    const what = describe(r);
    assert.equal(r.summary.counts.done, 400, what);
    assert.ok(r.throttled <= 0.01 * r.requests, what);
    // Counted from the mock's first to its last request, so start-up is not included.
    assert.ok(r.achieved >= 0.95 * 40, what);
    assert.ok(r.achieved <= 40 * 1.02, what);
    report(`(a) ${what}`);
  },
});

Deno.test({
  ...TIMING,
  name: "e2e: --rate auto against an unpublished 60/s limit settles in 45-60/s with <5% 429s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // More items than 18 s allow: the run ends by its deadline. Discovery
    // (slow start from 10/s, then a couple of 429s that each pause the job for
    // the mock's Retry-After of 1 s) takes about 10 s in simulation (see
    // adaptive_rate_test.ts); the settled rate is measured over seconds 11-17.5.
    const r = await runAgainstMock(2000, { rate: 60, headers: "none" }, {
      rate: parseRate("auto"),
      deadlineMs: 18_000,
    });
    const what = describe(r);
    const late = rateBetween(r.samples, 11_000, 17_500);
    assert.ok(r.summary.deadlineReached && r.summary.stopped, what);
    assert.ok(late >= 45 && late <= 60.5, `late rate ${late.toFixed(1)}/s; ${what}`);
    assert.ok(r.throttled < 0.05 * r.requests, what);
    const adaptive = r.summary.limiter.adaptive!;
    assert.ok(adaptive.rate >= 45 && adaptive.rate <= 61, what);
    report(`(b) late rate ${late.toFixed(1)}/s; ${what}`);
  },
});

Deno.test({
  ...TIMING,
  name: "e2e: --rate 1000/s against mock 50/s with RateLimit headers: no 429 at all",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 400 items: 8 s at 50/s. The client is set 20 times above the limit and
    // paces from the IETF RateLimit headers alone.
    const r = await runAgainstMock(400, { rate: 50, headers: "ietf" }, {
      rate: parseRate("1000/s"),
    });
    const what = describe(r);
    assert.equal(r.summary.counts.done, 400, what);
    assert.equal(r.throttled, 0, what);
    // Whole-second reset times are read as rounded up: a little is lost per window.
    // (Counted from the first to the last request, a run that starts late in one
    // fixed window and ends early in another shows more than 50/s.)
    assert.ok(r.achieved >= 0.85 * 50, what);
    report(`(c) ${what}`);
  },
});
