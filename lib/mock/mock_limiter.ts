/**
 * The exact, deterministic rate limiter of the built-in mock API, and the
 * `RateLimit` / `RateLimit-*` / `X-RateLimit-*` headers that describe it.
 *
 * Two modes: fixed windows aligned on the clock's epoch (`window`), and GCRA,
 * the token bucket written as one "theoretical arrival time" (`bucket`). Extra
 * fixed windows can be enforced at the same time. Every number it reports is
 * rounded so that a client that never sends more than `r` requests before `t`
 * seconds pass never gets a 429.
 *
 * @module
 */

/** Time source of the mock: real time by default, a fake clock in tests. */
export interface MockClock {
  /** Milliseconds since the clock's epoch (`Date.now()` for real time). */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time: `Date.now()` and `setTimeout`. */
export const realClock: MockClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const done = () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const id = setTimeout(done, ms);
      const abort = () => {
        clearTimeout(id);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", abort, { once: true });
    }),
};

/** Which family of rate-limit headers to send. */
export type RateLimitHeaderFamily = "ietf" | "legacy" | "x" | "none";

/** Options of {@linkcode createMockLimiter}. */
export interface MockLimiterOptions {
  /** Requests per second; `undefined` or `0` means no steady-rate limit. @default {undefined} */
  rate?: number;
  /** Extra fixed windows enforced at the same time. @default {[]} */
  windows?: { limit: number; periodMs: number }[];
  /** Requests allowed at once in `bucket` mode. @default {Math.ceil(rate / 10)} */
  burst?: number;
  /** Fixed 1-second windows of `rate` requests, or GCRA with `burst`. @default {"window"} */
  limiter?: "window" | "bucket";
}

/** The state of one policy as seen by one request. */
export interface MockLimitItem {
  /** Policy name in the IETF headers: `default`, then `w1`, `w2`, ... */
  readonly name: string;
  /** Quota of the policy (`q`): the window's limit, or the bucket's burst. */
  readonly limit: number;
  /** Requests still allowed right now (`r`). */
  remaining: number;
  /** Clock time (ms) when the full quota is back. */
  resetAt: number;
}

/** Outcome of {@linkcode MockLimiter.take}; the same object is reused by the next call. */
export interface MockLimitVerdict {
  allowed: boolean;
  /** When refused: ms until one request is allowed again; else 0. */
  retryAfterMs: number;
  /** One item per policy, in policy order. */
  readonly items: MockLimitItem[];
  /** Index in `items` of the policy that binds: least remaining, then latest reset. */
  binding: number;
}

/** A limiter made by {@linkcode createMockLimiter}. */
export interface MockLimiter {
  /** Decide one request arriving at `now`, consuming quota when allowed. */
  take(now: number): MockLimitVerdict;
  /** The state at `now` without consuming anything. */
  peek(now: number): MockLimitVerdict;
  /** Forget all usage; a bucket is full again. */
  reset(): void;
  /** Append the headers of `family` describing the last verdict (taken at `now`) to `out`. */
  headers(family: RateLimitHeaderFamily, now: number, out: [string, string][]): void;
}

interface Constraint {
  /** Fills `item` for `now`; true when one more request is allowed. */
  probe(now: number, item: MockLimitItem): boolean;
  /** Ms from `now` until one request is allowed (after a failed probe). */
  waitMs(now: number): number;
  /** Consumes one request (after a successful probe at the same `now`). */
  commit(now: number, item: MockLimitItem): void;
  reset(): void;
}

class FixedWindow implements Constraint {
  #k = -Infinity;
  #count = 0;
  constructor(readonly limit: number, readonly periodMs: number) {}
  probe(now: number, item: MockLimitItem): boolean {
    const k = Math.floor(now / this.periodMs);
    if (k > this.#k) {
      this.#k = k;
      this.#count = 0;
    }
    item.remaining = this.limit - this.#count;
    item.resetAt = (this.#k + 1) * this.periodMs;
    return item.remaining > 0;
  }
  waitMs(now: number): number {
    return (this.#k + 1) * this.periodMs - now;
  }
  commit(_now: number, item: MockLimitItem): void {
    this.#count++;
    item.remaining--;
  }
  reset(): void {
    this.#k = -Infinity;
    this.#count = 0;
  }
}

/**
 * GCRA in scaled time: x = (ms since the first request) * rate, so the emission
 * interval is exactly 1000 and the tolerance exactly (burst - 1) * 1000, with no
 * rounding for integer rates and clock values.
 */
class Gcra implements Constraint {
  #tat = -Infinity;
  #origin = NaN;
  readonly #tau: number;
  constructor(readonly rate: number, burst: number) {
    this.#tau = (burst - 1) * 1000;
  }
  #x(now: number): number {
    if (Number.isNaN(this.#origin)) this.#origin = now;
    return (now - this.#origin) * this.rate;
  }
  probe(now: number, item: MockLimitItem): boolean {
    const x = this.#x(now);
    const ahead = Math.max(this.#tat, x) - x;
    const room = this.#tau - ahead;
    item.remaining = room < 0 ? 0 : Math.floor(room / 1000) + 1;
    item.resetAt = now + ahead / this.rate;
    return room >= 0;
  }
  waitMs(now: number): number {
    const x = this.#x(now);
    return (Math.max(this.#tat, x) - this.#tau - x) / this.rate;
  }
  commit(now: number, item: MockLimitItem): void {
    const x = this.#x(now);
    this.#tat = Math.max(this.#tat, x) + 1000;
    item.remaining--;
    item.resetAt = now + (this.#tat - x) / this.rate;
  }
  reset(): void {
    this.#tat = -Infinity;
    this.#origin = NaN;
  }
}

function ceilSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/**
 * Build the mock's limiter, or `undefined` when nothing is limited.
 *
 * @example Fixed 1-second windows
 * ```ts
 * import { createMockLimiter } from "./mock_limiter.ts";
 * const limiter = createMockLimiter({ rate: 2 })!;
 * const seen = [0, 10, 20, 1000].map((t) => limiter.take(t).allowed);
 * if (seen.join() !== "true,true,false,true") throw new Error(seen.join());
 * const headers: [string, string][] = [];
 * limiter.headers("ietf", 1000, headers);
 * if (headers[1]?.[1] !== '"default";r=1;t=1') throw new Error(String(headers));
 * ```
 */
export function createMockLimiter(options: MockLimiterOptions = {}): MockLimiter | undefined {
  const { rate = 0, windows = [], limiter = "window" } = options;
  const { burst = Math.max(1, Math.ceil(rate / 10)) } = options;
  if (!(rate >= 0) || !Number.isFinite(rate)) {
    throw new RangeError(`Cannot limit the mock as rate is invalid: current value is ${rate}`);
  }
  if (limiter === "window" && !Number.isInteger(rate)) {
    throw new RangeError(
      `Cannot use 1-second windows as rate is not an integer: current value is ${rate}`,
    );
  }
  if (!Number.isInteger(burst) || burst < 1) {
    throw new RangeError(`Cannot limit the mock as burst is invalid: current value is ${burst}`);
  }
  const constraints: Constraint[] = [];
  const policy: { limit: number; windowS: number }[] = [];
  if (rate > 0 && limiter === "bucket") {
    constraints.push(new Gcra(rate, burst));
    policy.push({ limit: burst, windowS: Math.max(1, Math.ceil(burst / rate)) });
  } else if (rate > 0) {
    constraints.push(new FixedWindow(rate, 1000));
    policy.push({ limit: rate, windowS: 1 });
  }
  for (const { limit, periodMs } of windows) {
    if (!Number.isInteger(limit) || limit < 1 || !(periodMs > 0) || !Number.isFinite(periodMs)) {
      throw new RangeError(
        `Cannot limit the mock as a window is invalid: current value is ${limit} per ${periodMs} ms`,
      );
    }
    constraints.push(new FixedWindow(limit, periodMs));
    policy.push({ limit, windowS: Math.max(1, Math.ceil(periodMs / 1000)) });
  }
  if (constraints.length === 0) return undefined;

  const items: MockLimitItem[] = policy.map((p, i) => ({
    name: i === 0 ? "default" : `w${i}`,
    limit: p.limit,
    remaining: p.limit,
    resetAt: 0,
  }));
  const verdict: MockLimitVerdict = { allowed: true, retryAfterMs: 0, items, binding: 0 };
  const policyHeader = items.map((it, i) => `"${it.name}";q=${it.limit};w=${policy[i]!.windowS}`)
    .join(", ");

  function probeAll(now: number): boolean {
    let ok = true;
    let wait = 0;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!c.probe(now, items[i]!)) {
        ok = false;
        wait = Math.max(wait, c.waitMs(now));
      }
    }
    verdict.allowed = ok;
    verdict.retryAfterMs = ok ? 0 : wait;
    return ok;
  }

  function bind(): MockLimitVerdict {
    let b = 0;
    for (let i = 1; i < items.length; i++) {
      const it = items[i]!, best = items[b]!;
      if (
        it.remaining < best.remaining ||
        (it.remaining === best.remaining && it.resetAt > best.resetAt)
      ) b = i;
    }
    verdict.binding = b;
    return verdict;
  }

  function item(now: number, it: MockLimitItem): string {
    return `"${it.name}";r=${it.remaining};t=${ceilSeconds(it.resetAt - now)}`;
  }

  return {
    take(now) {
      if (probeAll(now)) {
        for (let i = 0; i < constraints.length; i++) constraints[i]!.commit(now, items[i]!);
      }
      return bind();
    },
    peek(now) {
      probeAll(now);
      return bind();
    },
    reset() {
      for (const c of constraints) c.reset();
    },
    headers(family, now, out) {
      const b = items[verdict.binding]!;
      if (family === "ietf") {
        let value = item(now, b);
        for (const it of items) if (it !== b) value += ", " + item(now, it);
        out.push(["RateLimit-Policy", policyHeader], ["RateLimit", value]);
      } else if (family === "legacy") {
        out.push(
          ["RateLimit-Limit", String(b.limit)],
          ["RateLimit-Remaining", String(b.remaining)],
          ["RateLimit-Reset", String(ceilSeconds(b.resetAt - now))],
        );
      } else if (family === "x") {
        out.push(
          ["X-RateLimit-Limit", String(b.limit)],
          ["X-RateLimit-Remaining", String(b.remaining)],
          ["X-RateLimit-Reset", String(Math.ceil(Math.max(b.resetAt, now) / 1000))],
        );
      }
    },
  };
}
