/**
 * End-to-end pacing of token-metered servers unlike the built-in mock: fixed
 * windows (nothing comes back before the reset) rather than buckets, and the
 * headers spelt otherwise than the mock spells them. 300 requests and 12,000
 * tokens per 3 s window, the first window starting full; each query costs
 * 12-61 prompt tokens and 1-100 answer tokens. Sent through the library's
 * `run()`, the usage read by a function of the answer.
 */
import assert from "node:assert/strict";
import { run } from "../../lib/run/run.ts";

// Rate accuracy needs the CPU to itself: these run in `deno task test:timing`.
const TIMING = { ignore: Deno.env.get("SLUICE_TIMING_TESTS") !== "1" };

const WINDOW_MS = 3_000;
const LIMITS: Record<string, number> = { requests: 300, tokens: 12_000 };

/** How a server names its limits and says its resets. */
type Spelling = (unit: string, limit: number, remaining: number, resetMs: number) => [
  string,
  string,
][];

/** OpenAI's names capitalised, resets as Go durations (`2.4s`, `20ms`, `1m0s`). */
const OPENAI_CAPITALISED: Spelling = (unit, limit, remaining, resetMs) => {
  const u = unit[0]!.toUpperCase() + unit.slice(1);
  const reset = resetMs < 1000 ? `${Math.floor(resetMs)}ms` : `${(resetMs / 1000).toFixed(3)}s`;
  return [
    [`X-RateLimit-Limit-${u}`, String(limit)],
    [`X-RateLimit-Remaining-${u}`, String(remaining)],
    [`X-RateLimit-Reset-${u}`, reset],
  ];
};

/** Named with their window, as Cerebras does (here 3 s long, to keep the test short), resets in seconds. */
const NAMED_BY_WINDOW: Spelling = (unit, limit, remaining, resetMs) => [
  [`x-ratelimit-limit-${unit}-minute`, String(limit)],
  [`x-ratelimit-remaining-${unit}-minute`, String(remaining)],
  [`x-ratelimit-reset-${unit}-minute`, String(resetMs / 1000)],
];

/** A fixed-window LLM-style API on 127.0.0.1 speaking `spelling`. */
function serveFixedWindows(spelling: Spelling) {
  const start = performance.now();
  let windowStart = 0;
  let used: Record<string, number> = { requests: 0, tokens: 0 };
  const stats = { requests: 0, throttled: 0, tokens: 0, firstAt: 0, lastAt: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { prompt, max_tokens } = await req.json();
    const output = 1 + [...prompt].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7) %
        max_tokens;
    const cost = Math.floor(prompt.length / 4) + output;
    const now = performance.now() - start;
    stats.requests++;
    stats.firstAt ||= now;
    stats.lastAt = now;
    if (now - windowStart >= WINDOW_MS) {
      windowStart += Math.floor((now - windowStart) / WINDOW_MS) * WINDOW_MS;
      used = { requests: 0, tokens: 0 };
    }
    const allowed = used.requests! + 1 <= LIMITS.requests! &&
      used.tokens! + cost <= LIMITS.tokens!;
    if (allowed) {
      used.requests!++;
      used.tokens! += cost;
      stats.tokens += cost;
    } else stats.throttled++;
    const resetMs = windowStart + WINDOW_MS - now;
    const headers = new Headers({ "content-type": "application/json" });
    for (const unit of ["requests", "tokens"]) {
      for (
        const [name, value] of spelling(unit, LIMITS[unit]!, LIMITS[unit]! - used[unit]!, resetMs)
      ) {
        headers.set(name, value);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (!allowed) {
      headers.set("retry-after", String(Math.ceil(resetMs / 1000)));
      return new Response('{"error":"rate limited"}', { status: 429, headers });
    }
    const usage = { prompt_tokens: Math.floor(prompt.length / 4), completion_tokens: output };
    return new Response(
      JSON.stringify({ usage: { ...usage, total_tokens: cost } }),
      { headers },
    );
  });
  return { port: server.addr.port, stats, shutdown: () => server.shutdown() };
}

function* prompts(items: number) {
  for (let i = 0; i < items; i++) {
    yield { prompt: `question ${i} ${"x".repeat((i * 37) % 200)}`, max_tokens: 100 };
  }
}

for (
  const [what, spelling] of [
    ["OpenAI's headers capitalised, Go-duration resets", OPENAI_CAPITALISED],
    ["headers named with their window (tokens-minute), resets in seconds", NAMED_BY_WINDOW],
  ] as const
) {
  Deno.test({
    ...TIMING,
    name: `e2e: an unseen fixed-window server, ${what}: ≤0.5% 429s, within 1.2x the shortest run`,
    async fn() {
      const server = serveFixedWindows(spelling);
      try {
        const summary = await run({
          queries: prompts(400),
          request: {
            url: `http://127.0.0.1:${server.port}/v1/chat/completions`,
            body: { prompt: "{{prompt}}", max_tokens: "{{max_tokens}}" },
          },
          db: ":memory:",
          rate: "1000/s",
          concurrency: 64,
          usage: (answer) =>
            answer.status === 200
              ? { tokens: JSON.parse(answer.body!).usage.total_tokens }
              : undefined,
        });
        const { requests, throttled, tokens, firstAt, lastAt } = server.stats;
        // The first window is spent at once, each further one at its start: the last
        // window's tokens go when it opens.
        const shortest = Math.ceil(tokens / LIMITS.tokens!) * WINDOW_MS - WINDOW_MS;
        const figures = JSON.stringify({
          requests,
          throttled,
          tokens,
          ms: Math.round(lastAt - firstAt),
          shortest,
          units: summary.limiter.units,
        });
        assert.equal(summary.counts.done, 400, figures);
        assert.ok(throttled <= 0.005 * requests, figures);
        assert.ok(lastAt - firstAt <= 1.2 * shortest, figures);
        Deno.stderr.writeSync(new TextEncoder().encode(`(${what}) ${figures}\n`));
      } finally {
        await server.shutdown();
      }
    },
  });
}
