/**
 * End-to-end pacing of a token-metered API: the mock's LLM-style routes on
 * 127.0.0.1, limited to 100 requests and 4,000 tokens a second (buckets of
 * 300 requests and 12,000 tokens, refilled over 3 s, starting full: the
 * issue's 600 requests and 12,000 tokens per 6 s, twice as fast to keep the
 * runs short). Each query costs 12-61 prompt tokens and 1-100 answer tokens
 * (80 on average), so the tokens set the pace, not the requests. The
 * shortest possible run spends the full bucket at once and then the refill:
 * (tokens - 12,000) / 4,000 per second; the checks allow 1.2 times that,
 * counted from the mock's first request to its last.
 */
import assert from "node:assert/strict";
import { compileTemplate } from "../../lib/job/template.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { openStore } from "../../lib/store/store.ts";
import { runJob, type RunJobOptions, type RunSummary } from "../../lib/run/run_job.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import type { TokenRoutesOptions } from "../../lib/mock/token_routes.ts";
import { parseRate } from "../../lib/rate/rate_spec.ts";
import { importJob, readJob, startWorkers, type WorkerJob } from "./_workers.ts";

// Rate accuracy needs the CPU to itself: these run in `deno task test:timing`.
const TIMING = { ignore: Deno.env.get("SLUICE_TIMING_TESTS") !== "1" };

const BUCKET = 12_000;
const TOKENS_PER_SECOND = 4_000;
const LIMITS = {
  requests: { limit: 300, periodMs: 3_000 },
  tokens: { limit: BUCKET, periodMs: 3_000 },
};

/** The `i`-th query: a prompt of 50-245 characters (12-61 tokens), answers up to 100 tokens. */
const prompt = (i: number) => ({
  prompt: `question ${i} ${"x".repeat((i * 37) % 200)}`,
  max_tokens: 100,
  // An upper bound of its cost, as a caller would estimate it.
  estimate: Math.ceil(`question ${i} ${"x".repeat((i * 37) % 200)}`.length / 4) + 100,
});

async function* prompts(items: number) {
  for (let i = 0; i < items; i++) yield { vars: prompt(i), line: i + 1 };
}

interface CostResult {
  summary: RunSummary;
  requests: number;
  throttled: number;
  tokens: number;
  /** Seconds from the mock's first request to its last. */
  seconds: number;
  /** The shortest possible run for the tokens spent, in seconds. */
  shortest: number;
}

async function runAgainstTokens(
  items: number,
  route: string,
  mock: Omit<TokenRoutesOptions, "limits">,
  options: RunJobOptions,
): Promise<CostResult> {
  const server = serveMockApi({ port: 0, latencyMs: 20, tokens: { limits: LIMITS, ...mock } });
  const store = await openStore(":memory:");
  try {
    const request = {
      url: `http://127.0.0.1:${server.port}${route}`,
      method: "POST",
      body: { prompt: "{{prompt}}", max_tokens: "{{max_tokens}}" },
    };
    const template = compileTemplate(request);
    const input = {
      file: "llm.jsonl",
      format: "jsonl" as const,
      settings: {},
      queries: prompts(items),
    };
    const { job } = await prepareJob(store, template, { name: "llm", input, request });
    const summary = await runJob(store, job, template, { concurrency: 64, ...options });
    const s = server.api.stats;
    const tokens = s.tokens ?? 0;
    return {
      summary,
      requests: s.requests,
      throttled: s.throttled,
      tokens,
      seconds: (s.lastAt! - s.firstAt!) / 1000,
      shortest: (tokens - BUCKET) / TOKENS_PER_SECOND,
    };
  } finally {
    store.close();
    await server.shutdown();
  }
}

function describe(r: CostResult): string {
  const { summary, ...figures } = r;
  return JSON.stringify({ ...figures, counts: summary.counts, units: summary.limiter.units });
}

/** Prints a test's figures (stderr; shown with the test's output). */
function report(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${line}\n`));
}

Deno.test({
  ...TIMING,
  name:
    "e2e: OpenAI headers, --rate 1000/s --cost --usage: ≤0.5% 429s, within 1.2x the shortest run",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 400 queries, about 32,000 tokens: 5 s at least.
    const r = await runAgainstTokens(400, "/v1/chat/completions", {}, {
      rate: parseRate("1000/s"),
      cost: "tokens={{estimate}}",
      usage: "tokens=$.usage.total_tokens",
    });
    const what = describe(r);
    assert.equal(r.summary.counts.done, 400, what);
    assert.ok(r.throttled <= 0.005 * r.requests, what);
    assert.ok(r.seconds <= 1.2 * r.shortest, what);
    report(`(openai, cost and usage) ${what}`);
  },
});

Deno.test({
  ...TIMING,
  name: "e2e: OpenAI headers, --usage alone (the mean usage estimates): ≤0.5% 429s, within 1.2x",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runAgainstTokens(400, "/v1/chat/completions", {}, {
      rate: parseRate("1000/s"),
      usage: "tokens=$.usage.total_tokens",
    });
    const what = describe(r);
    assert.equal(r.summary.counts.done, 400, what);
    assert.ok(r.throttled <= 0.005 * r.requests, what);
    assert.ok(r.seconds <= 1.2 * r.shortest, what);
    report(`(openai, usage) ${what}`);
  },
});

Deno.test({
  ...TIMING,
  name:
    "e2e: Anthropic headers (RFC 3339 resets, input and output tokens): ≤0.5% 429s, within 1.2x",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runAgainstTokens(400, "/v1/messages", {}, {
      rate: parseRate("1000/s"),
      usage: "tokens=$.usage.input_tokens+$.usage.output_tokens," +
        "input-tokens=$.usage.input_tokens,output-tokens=$.usage.output_tokens",
    });
    const what = describe(r);
    assert.equal(r.summary.counts.done, 400, what);
    assert.ok(r.throttled <= 0.005 * r.requests, what);
    assert.ok(r.seconds <= 1.2 * r.shortest, what);
    const units = r.summary.limiter.units!.map((u) => u.unit).sort();
    assert.deepEqual(units, ["input-tokens", "output-tokens", "tokens"], what);
    report(`(anthropic) ${what}`);
  },
});

Deno.test({
  ...TIMING,
  name: "e2e: no headers, the limits as flags: ≤0.5% 429s and at least 85% of the token rate",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Paced evenly from the start (burst 1): the bucket's first 12,000 tokens are not
    // spent at once, so the rate is counted over the run, not its shortest time.
    const r = await runAgainstTokens(300, "/v1/chat/completions", { headers: "none" }, {
      rate: parseRate("300/3s,tokens=12000/3s"),
      usage: "tokens=$.usage.total_tokens",
    });
    const what = describe(r);
    const rate = r.tokens / r.seconds;
    assert.equal(r.summary.counts.done, 300, what);
    assert.ok(r.throttled <= 0.005 * r.requests, what);
    assert.ok(rate >= 0.85 * TOKENS_PER_SECOND, `${rate.toFixed(0)} tokens/s; ${what}`);
    report(`(flags) ${rate.toFixed(0)} tokens/s; ${what}`);
  },
});

const LLM_JOB: WorkerJob = {
  path: "/v1/chat/completions",
  body: { prompt: "{{prompt}}", max_tokens: "{{max_tokens}}" },
  vars: prompt,
};

for (
  const [what, mock, rate] of [
    ["the server's OpenAI headers", {}, "1000/s"],
    ["the limits as flags", { headers: "none" }, "300/3s,tokens=12000/3s"],
  ] as const
) {
  Deno.test(
    `e2e: three workers share a token budget (${what}): at most 1% 429s`,
    TIMING,
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "sluice-cost-workers-" });
      const server = serveMockApi({ port: 0, latencyMs: 20, tokens: { limits: LIMITS, ...mock } });
      try {
        const db = `file:${dir}/w.db`;
        await importJob(db, server.port, 500, LLM_JOB);
        const workers = startWorkers(3, db, [
          "--rate",
          rate,
          "--usage",
          "tokens=$.usage.total_tokens",
          "--concurrency",
          "32",
        ]);
        const exits = await Promise.all(workers.map((w) => w.exited));
        for (const exit of exits) assert.equal(exit.code, 0, exit.stderr);
        const job = await readJob(db);
        assert.deepEqual(job.byStatus, { done: 500 });
        const { requests, throttled, tokens } = server.api.stats;
        const figures = `${throttled} of ${requests} requests answered 429; ${tokens} tokens`;
        assert.ok(throttled <= 0.01 * requests, figures);
        report(`(three workers, ${what}) ${figures}`);
      } finally {
        await server.shutdown();
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
