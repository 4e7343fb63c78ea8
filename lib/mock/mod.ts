/**
 * The built-in mock search API: what sluice's demo, tests and benchmarks run
 * against, with a rate limit, latency, faults and the RateLimit headers of
 * your choice; and token-metered routes answering as LLM APIs do, with
 * OpenAI's or Anthropic's rate-limit headers (`tokens`). Served on 127.0.0.1 only.
 *
 * @example Serve it, search, shut it down
 * ```ts
 * import { serveMockApi } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const server = serveMockApi({ rate: 100 });
 * const res = await fetch(`http://127.0.0.1:${server.port}/search?q=deno`);
 * assert.equal((await res.json()).query, "deno");
 * await server.shutdown();
 * ```
 *
 * @module
 */
export {
  createMockApi,
  type MockApi,
  type MockApiOptions,
  type MockApp,
  type MockClock,
  type MockStats,
} from "./mock_api.ts";
export type { RateLimitHeaderFamily } from "./mock_limiter.ts";
export type { MeterHeaderFamily, MeterWindow } from "./token_meter.ts";
export type { TokenRoutesOptions } from "./token_routes.ts";
export { type MockServer, serveMockApi, type ServeMockOptions } from "./mock_server.ts";
