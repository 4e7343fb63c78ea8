/**
 * The built-in mock search API that sluice's demo, tests and benchmarks run
 * against: a Hono app with an exact rate limiter, RateLimit headers, and
 * seeded faults (5xx, outages with Retry-After, dropped connections, slowness).
 *
 * Routes: `POST /search` (`{ "q": string }`), `GET /search?q=`, `POST /echo`,
 * paginated search in four styles under `/pages/` (see mock_pages.ts), and
 * the uncounted, unlimited `GET /_mock/stats` and `GET /_mock/keys`.
 *
 * @module
 */

import { Hono } from "../deps.ts";
import { mockPage, PAGE_STYLES } from "./mock_pages.ts";
import {
  createMockLimiter,
  type MockClock,
  type RateLimitHeaderFamily,
  realClock,
} from "./mock_limiter.ts";
import { mountTokenRoutes, type TokenRoutesOptions } from "./token_routes.ts";

export type { MockClock } from "./mock_limiter.ts";

/** Options of {@linkcode createMockApi}. */
export interface MockApiOptions {
  /** Requests per second allowed; `undefined` or `0` = unlimited. @default {undefined} */
  rate?: number;
  /** Extra fixed windows enforced at once, e.g. `{ limit: 1000, periodMs: 60_000 }`. @default {[]} */
  windows?: { limit: number; periodMs: number }[];
  /** Requests allowed at once in `bucket` mode. @default {Math.ceil(rate / 10)} */
  burst?: number;
  /** `window`: fixed 1-second windows of `rate`; `bucket`: GCRA with `burst`. @default {"window"} */
  limiter?: "window" | "bucket";
  /** RateLimit header family sent on every limited response. @default {"ietf"} */
  headers?: RateLimitHeaderFamily;
  /** Delay added to every response, on the clock's `sleep`. @default {0} */
  latencyMs?: number;
  /** Fraction of requests that take `slowMs` more. @default {0} */
  slowRate?: number;
  /** Extra delay of the slow requests. @default {0} */
  slowMs?: number;
  /** Fraction of requests answered 500, 502, 503, 504 in turn (no Retry-After). @default {0} */
  failRate?: number;
  /** Times (ms since start or `reset()`) answered 503 with Retry-After. @default {[]} */
  outages?: { startMs: number; endMs: number; retryAfterS: number }[];
  /** Fraction of requests whose connection is dropped mid-response. @default {0} */
  resetRate?: number;
  /** Form of Retry-After on 429 and outage 503. @default {"seconds"} */
  retryAfter?: "seconds" | "date";
  /** Seed of the fault generators (one mulberry32 stream per kind of fault). @default {1} */
  seed?: number;
  /** Count requests per key (Idempotency-Key header, else `q`). @default {false} */
  record?: boolean;
  /** Time source. @default {realClock} */
  clock?: MockClock;
  /**
   * Serve the token-metered routes too (`POST /v1/chat/completions`,
   * `POST /v1/messages`), with these limits. @default {undefined}
   */
  tokens?: TokenRoutesOptions;
}

/** Counters of the counted routes (`/search`, `/echo`). */
export interface MockStats {
  /** Requests received on the counted routes. */
  requests: number;
  /** Responses by status code; a dropped connection counts as `"reset"`. */
  byStatus: Record<string, number>;
  /** 429 answers. */
  throttled: number;
  /** Injected faults: failRate 5xx, outage 503s and dropped connections. */
  faults: number;
  /** Clock time of creation or the last `reset()`. */
  startedAt: number;
  /** When the first counted request came (epoch ms). */
  firstAt?: number;
  /** When the last counted request came (epoch ms). */
  lastAt?: number;
  /** Tokens the token-metered routes' answers reported. */
  tokens?: number;
}

/** The mock's routes as a fetch handler (a Hono app). */
export interface MockApp {
  /** Answers a request, as a server would. */
  fetch(request: Request): Response | Promise<Response>;
  /** Answers a request built from a path or URL and `init`, without a server. */
  request(input: string | Request | URL, init?: RequestInit): Response | Promise<Response>;
}

/** A mock made by {@linkcode createMockApi}. */
export interface MockApi {
  /** The app serving the routes; `app.request()` calls it without a server. */
  app: MockApp;
  /** Counters of what was received. */
  stats: MockStats;
  /** With `record`: requests per key, whatever their answer. */
  keys: Map<string, number>;
  /** With `record`: 2xx answers per key (more than one means an item was served twice). */
  served: Map<string, number>;
  /** Clear stats, keys, limiter state and fault generators; restart the outage schedule. */
  reset(): void;
}

type Route = "post" | "get" | "echo" | "pages";
type HeaderList = [string, string][];

const FAULT_STATUSES = [500, 502, 503, 504] as const;
const decoder = new TextDecoder();
const FAULT_BODY = '{"error":"Injected fault"}';
const THROTTLED_BODY = '{"error":"Too many requests"}';
const OUTAGE_BODY = '{"error":"Service unavailable"}';
const INVALID_Q = '{"error":"Missing \\"q\\": expected a non-empty string"}';

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The deterministic answer to `q`: 1 to 3 results derived from a hash of `q`. */
function searchAnswer(q: string): string {
  const h = hash(q);
  const count = 1 + (h % 3);
  const id = h.toString(36);
  const results = Array.from({ length: count }, (_, i) => ({
    rank: i + 1,
    title: `Result ${i + 1} for ${q}`,
    url: `https://example.test/${id}/${i + 1}`,
  }));
  return JSON.stringify({ query: q, count, results });
}

function queryOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const q = (body as { q?: unknown }).q;
  return typeof q === "string" && q !== "" ? q : undefined;
}

function check(name: string, value: number, max: number): void {
  if (!(value >= 0 && value <= max)) {
    throw new RangeError(
      `Cannot create the mock API as ${name} is not in [0, ${max}]: current value is ${value}`,
    );
  }
}

/** A response whose body errors at once: Deno.serve then drops the connection. */
function droppedConnection(headers: HeaderList): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(new TypeError("Mock connection reset"));
    },
  });
  return new Response(body, { status: 200, headers });
}

/**
 * Build the mock API as a Hono app; serve it with `serveMockApi` or test it with `app.request()`.
 *
 * @example A search, then the throttled second request in the same second
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMockApi } from "./mock_api.ts";
 * let now = 0;
 * const api = createMockApi({ rate: 1, clock: { now: () => now, sleep: async () => {} } });
 * const init = { method: "POST", body: JSON.stringify({ q: "deno" }) };
 * const res = await api.app.request("/search", init);
 * assert.equal(res.status, 200);
 * assert.equal((await res.json()).query, "deno");
 * now = 500;
 * const throttled = await api.app.request("/search", init);
 * assert.equal(throttled.status, 429);
 * assert.equal(throttled.headers.get("retry-after"), "1");
 * assert.equal(throttled.headers.get("ratelimit"), '"default";r=0;t=1');
 * ```
 */
export function createMockApi(options: MockApiOptions = {}): MockApi {
  const {
    headers: family = "ietf",
    latencyMs = 0,
    slowRate = 0,
    slowMs = 0,
    failRate = 0,
    outages = [],
    resetRate = 0,
    retryAfter = "seconds",
    seed = 1,
    record = false,
    clock = realClock,
  } = options;
  for (const [name, value] of Object.entries({ failRate, slowRate, resetRate })) {
    check(name, value, 1);
  }
  check("latencyMs", latencyMs, Infinity);
  check("slowMs", slowMs, Infinity);
  const limiter = createMockLimiter(options);
  const rateLimitHeaders = family === "none" ? undefined : limiter;

  const stats = {} as MockStats;
  const keys = new Map<string, number>();
  const served = new Map<string, number>();
  // One stream per kind of fault, so that enabling one does not move the others.
  let failDraw: () => number, resetDraw: () => number, slowDraw: () => number;
  let faultCount = 0;
  let refill: (() => void) | undefined;

  function reset(): void {
    delete stats.firstAt;
    delete stats.lastAt;
    delete stats.tokens;
    refill?.();
    const startedAt = clock.now();
    Object.assign(stats, { requests: 0, byStatus: {}, throttled: 0, faults: 0, startedAt });
    keys.clear();
    served.clear();
    limiter?.reset();
    failDraw = mulberry32(seed);
    resetDraw = mulberry32(seed ^ 0x5bd1e995);
    slowDraw = mulberry32(seed ^ 0x27d4eb2f);
    faultCount = 0;
  }
  reset();

  function retryAfterValue(now: number, ms: number): string {
    if (retryAfter === "date") return new Date(Math.ceil((now + ms) / 1000) * 1000).toUTCString();
    return String(Math.max(1, Math.ceil(ms / 1000)));
  }

  function outageAt(now: number): { retryAfterS: number } | undefined {
    const t = now - stats.startedAt;
    for (const o of outages) if (t >= o.startMs && t < o.endMs) return o;
    return undefined;
  }

  function count(map: Map<string, number>, key: string | undefined): void {
    if (key !== undefined) map.set(key, (map.get(key) ?? 0) + 1);
  }

  async function handle(req: Request, route: Route): Promise<Response> {
    // Everything up to the first await is synchronous: the limiter sees arrivals in order.
    const now = clock.now();
    stats.requests++;
    stats.firstAt ??= now;
    stats.lastAt = now;
    const delay = latencyMs + (slowRate > 0 && slowDraw() < slowRate ? slowMs : 0);
    const headers: HeaderList = [["Content-Type", "application/json"]];
    let res: Response | undefined;
    let status: string | undefined;
    const outage = outages.length > 0 ? outageAt(now) : undefined;
    if (outage) {
      stats.faults++;
      headers.push(["Retry-After", retryAfterValue(now, outage.retryAfterS * 1000)]);
      rateLimitHeaders?.peek(now);
      rateLimitHeaders?.headers(family, now, headers);
      res = new Response(OUTAGE_BODY, { status: 503, headers });
    } else {
      const verdict = limiter?.take(now);
      if (verdict && !verdict.allowed) {
        stats.throttled++;
        headers.push(["Retry-After", retryAfterValue(now, verdict.retryAfterMs)]);
        rateLimitHeaders?.headers(family, now, headers);
        res = new Response(THROTTLED_BODY, { status: 429, headers });
      } else {
        rateLimitHeaders?.headers(family, now, headers);
        if (resetRate > 0 && resetDraw() < resetRate) {
          stats.faults++;
          status = "reset";
          res = droppedConnection(headers);
        } else if (failRate > 0 && failDraw() < failRate) {
          stats.faults++;
          const code = FAULT_STATUSES[faultCount++ % FAULT_STATUSES.length]!;
          res = new Response(FAULT_BODY, { status: code, headers });
        }
      }
    }
    if (res === undefined || record) {
      // Read the body only to answer, or to learn the key of a refused request.
      const get = route === "get" || (route === "pages" && req.method === "GET");
      const bytes = get ? undefined : await req.bytes();
      let q: string | undefined;
      let invalid: string | undefined;
      let parsed: unknown;
      if (get) {
        q = new URL(req.url).searchParams.get("q") || undefined;
      } else if (route === "post" || route === "pages" || record) {
        try {
          parsed = JSON.parse(decoder.decode(bytes));
          q = queryOf(parsed);
        } catch (error) {
          invalid = `Invalid JSON body: ${error instanceof Error ? error.message : error}`;
        }
      }
      const key = record ? (req.headers.get("idempotency-key") ?? q) : undefined;
      count(keys, key);
      if (res !== undefined) {
        // refused above: the key is counted, nothing more to do
      } else if (route === "echo") {
        headers[0] = [
          "Content-Type",
          req.headers.get("content-type") ?? "application/octet-stream",
        ];
        res = new Response(bytes, { status: 200, headers });
        count(served, key);
      } else if (route === "pages" && (get || invalid === undefined)) {
        const url = new URL(req.url);
        const page = mockPage(url.pathname.slice("/pages/".length), url, parsed);
        res = new Response(page.body, {
          status: page.status,
          headers: [...headers, ...page.headers],
        });
        if (page.status === 200) count(served, key);
      } else if (invalid !== undefined) {
        res = new Response(JSON.stringify({ error: invalid }), { status: 400, headers });
      } else if (q === undefined) {
        res = new Response(INVALID_Q, { status: 400, headers });
      } else {
        res = new Response(searchAnswer(q), { status: 200, headers });
        count(served, key);
      }
    }
    status ??= String(res.status);
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (delay > 0) {
      // Not tied to req.signal: Deno.serve's legacy abort-on-success semantics
      // make reading it print a warning, and a short sleep costs nothing.
      await clock.sleep(delay);
    }
    return res;
  }

  function summary(map: Map<string, number>) {
    let duplicates = 0;
    for (const n of map.values()) if (n > 1) duplicates++;
    return { distinct: map.size, duplicates };
  }

  const app = new Hono();
  app.post("/search", (c) => handle(c.req.raw, "post"));
  app.get("/search", (c) => handle(c.req.raw, "get"));
  app.post("/echo", (c) => handle(c.req.raw, "echo"));
  if (options.tokens) refill = mountTokenRoutes(app, options.tokens, stats, clock, latencyMs);
  for (const style of PAGE_STYLES) {
    app.on(["GET", "POST"], `/pages/${style}`, (c) => handle(c.req.raw, "pages"));
  }
  app.get(
    "/_mock/stats",
    (c) => c.json(record ? { ...stats, keys: summary(keys), served: summary(served) } : stats),
  );
  app.get(
    "/_mock/keys",
    (c) => record ? c.json(Object.fromEntries(keys)) : c.json({ error: "Recording is off" }, 404),
  );

  return { app, stats, keys, served, reset };
}
