/**
 * The mock API's token-metered routes, answering as LLM APIs do:
 * `POST /v1/chat/completions` (OpenAI's shape: `usage.prompt_tokens`,
 * `completion_tokens`, `total_tokens`; OpenAI's rate-limit headers) and
 * `POST /v1/messages` (Anthropic's: `usage.input_tokens`, `output_tokens`;
 * Anthropic's headers). A prompt costs a token per 4 characters; the answer's
 * length is drawn from a hash of the prompt, up to `max_tokens`, so the same
 * prompt always costs the same. The tokens are taken from the buckets when
 * the request arrives, as its usage reports them.
 *
 * @module
 */
import type { Hono } from "../deps.ts";
import type { MockClock } from "./mock_limiter.ts";
import {
  type MeterCost,
  type MeterHeaderFamily,
  type MeterWindow,
  TokenMeter,
} from "./token_meter.ts";

/** Options of the token-metered routes (`tokens` of the mock API's options). */
export interface TokenRoutesOptions {
  /**
   * The buckets, by unit: `requests`, `tokens`, `input-tokens`,
   * `output-tokens`; each starts full and refills evenly over its window.
   */
  limits: Readonly<Record<string, MeterWindow>>;
  /**
   * The rate-limit headers: `auto` sends OpenAI's on `/v1/chat/completions`
   * and Anthropic's on `/v1/messages`.
   *
   * @default {"auto"}
   */
  headers?: "auto" | MeterHeaderFamily;
  /** Also report each answer's total tokens in this header. @default {undefined} */
  usageHeader?: string;
  /** The largest answer, when a request names no `max_tokens`. @default {256} */
  maxTokens?: number;
}

/** What the routes count into the mock's stats. */
export interface TokenStats {
  requests: number;
  byStatus: Record<string, number>;
  throttled: number;
  firstAt?: number;
  lastAt?: number;
  /** Tokens the answers reported (input and output). */
  tokens?: number;
}

type Shape = "openai" | "anthropic";

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The prompt's text: `prompt`, or the messages' contents. */
function promptOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.prompt === "string") return body.prompt;
  if (!Array.isArray(body.messages)) return undefined;
  return body.messages.map((m) =>
    typeof m === "object" && m !== null && typeof (m as { content?: unknown }).content === "string"
      ? (m as { content: string }).content
      : ""
  ).join("\n");
}

/**
 * Mounts the token-metered routes on `app`; returns the function that fills
 * the buckets again (the mock's `reset()`).
 *
 * @example Usage
 * ```ts
 * import { Hono } from "../deps.ts";
 * import { mountTokenRoutes } from "./token_routes.ts";
 * import assert from "node:assert/strict";
 * const app = new Hono();
 * const stats = { requests: 0, byStatus: {}, throttled: 0 };
 * const clock = { now: () => 0, sleep: () => Promise.resolve() };
 * mountTokenRoutes(app, { limits: { tokens: { limit: 100, periodMs: 1000 } } }, stats, clock, 0);
 * const ask = () =>
 *   app.request("/v1/chat/completions", {
 *     method: "POST",
 *     body: JSON.stringify({ prompt: "x".repeat(200), max_tokens: 10 }),
 *   });
 * const first = await ask();
 * const { usage } = await first.json();
 * assert.equal(usage.prompt_tokens, 50);
 * assert.equal(first.headers.get("x-ratelimit-remaining-tokens"), String(100 - usage.total_tokens));
 * assert.equal((await ask()).status, 429);
 * assert.equal(stats.throttled, 1);
 * ```
 */
export function mountTokenRoutes(
  app: Hono,
  options: TokenRoutesOptions,
  stats: TokenStats,
  clock: MockClock,
  latencyMs: number,
): () => void {
  const { limits, headers: family = "auto", usageHeader, maxTokens = 256 } = options;
  const meter = new TokenMeter(limits, clock.now());

  async function answer(req: Request, shape: Shape): Promise<Response> {
    const now = clock.now();
    stats.requests++;
    stats.firstAt ??= now;
    stats.lastAt = now;
    const headers = new Headers({ "content-type": "application/json" });
    const respond = async (status: number, body: unknown) => {
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      if (latencyMs > 0) await clock.sleep(latencyMs);
      return new Response(JSON.stringify(body), { status, headers });
    };
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return respond(400, { error: { message: "Invalid JSON body" } });
    }
    const prompt = typeof body === "object" && body !== null ? promptOf(body) : undefined;
    const limit = body?.max_tokens ?? maxTokens;
    if (prompt === undefined || !Number.isInteger(limit) || (limit as number) < 1) {
      return respond(400, {
        error: { message: 'Expected "prompt" or "messages", and "max_tokens" of at least 1' },
      });
    }
    const input = Math.max(1, Math.ceil(prompt.length / 4));
    const output = 1 + (hash(prompt) % (limit as number));
    const cost: MeterCost = {
      tokens: input + output,
      "input-tokens": input,
      "output-tokens": output,
    };
    const verdict = meter.take(now, cost);
    const described: MeterHeaderFamily = family === "auto" ? shape : family;
    meter.describe(described, now, headers);
    if (!verdict.allowed) {
      stats.throttled++;
      headers.set("retry-after", String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
      return respond(429, {
        error: { type: "rate_limit_error", message: "Rate limit reached: try again later" },
      });
    }
    stats.tokens = (stats.tokens ?? 0) + input + output;
    if (usageHeader) headers.set(usageHeader, String(input + output));
    const text = `Answer of ${output} tokens to ${JSON.stringify(prompt.slice(0, 40))}`;
    const id = `mock-${hash(prompt).toString(36)}`;
    return respond(
      200,
      shape === "openai"
        ? {
          id,
          object: "chat.completion",
          choices: [{
            index: 0,
            message: { role: "assistant", content: text },
            finish_reason: "stop",
          }],
          usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
        }
        : {
          id,
          type: "message",
          role: "assistant",
          content: [{ type: "text", text }],
          usage: { input_tokens: input, output_tokens: output },
        },
    );
  }

  app.post("/v1/chat/completions", (c) => answer(c.req.raw, "openai"));
  app.post("/v1/messages", (c) => answer(c.req.raw, "anthropic"));
  return () => meter.reset(clock.now());
}
