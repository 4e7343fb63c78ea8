/**
 * sluice's rate limiter, for scripts that pace their own requests: the
 * `--rate` syntax ({@linkcode parseRate}), the {@linkcode RateLimiter}
 * (windows, burst, server quota from RateLimit headers, `--rate auto`,
 * circuit breaker, a budget kept in the database) and what it reports.
 *
 * @example Pace at 2 requests a second
 * ```ts
 * import { parseRate, RateLimiter } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const spec = parseRate("2/s");
 * const limiter = new RateLimiter({ windows: spec.kind === "windows" ? spec.windows : [] });
 * assert.equal(typeof (await limiter.acquire()), "number");
 * await limiter.close();
 * ```
 *
 * @module
 */
export { formatRate, parseRate } from "./rate_spec.ts";
export { RateLimiter } from "./rate_limiter.ts";
export type * from "./types.ts";
