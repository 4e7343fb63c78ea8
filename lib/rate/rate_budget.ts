/**
 * Long rate windows (a daily budget such as `50000/day`) kept in the database,
 * so that they hold across runs, restarts and several workers.
 *
 * Grants are reserved in chunks before they are handed out: each reservation
 * adds its size to the usage of the current second, in one statement, and a
 * clean close gives back what was not used. A crash therefore over-counts by
 * at most one chunk, the safe side for a budget. Usage within a window is read
 * back from the database at every reservation, so other runs and workers
 * sharing the database are counted too (up to one chunk each, as the read and
 * the add are not one transaction). A budget of another unit than requests
 * (tokens) reserves the estimate of each request, and the usage its answer
 * reports settles the difference.
 *
 * @module
 */
import { type RateWindow, REQUESTS } from "./rate_spec.ts";

/** The two statements the budget needs; the store's `budget` repository implements them. */
export interface BudgetStore {
  /** Usage rows of `scope` in buckets starting at or after `since`. */
  usage(scope: string, since: number): Promise<{ at: number; used: number }[]>;
  /** Adds `delta` (negative to give back) to the bucket starting at `at`; drops buckets before `pruneBefore`. */
  addUsage(scope: string, at: number, delta: number, pruneBefore: number): Promise<void>;
}

/** One long window's use, as {@linkcode RateBudget.usage} reports it. */
export interface BudgetUse {
  /** The unit counted: `requests`, `tokens`, ... */
  unit: string;
  /** Requests (or units) allowed per window. */
  limit: number;
  /** The window's length. */
  periodMs: number;
  /** Requests (or units) counted in the current window. */
  used: number;
}

/** Options for {@linkcode RateBudget}. */
export interface RateBudgetOptions {
  /** Requests (or units) reserved per statement. @default {1% of the smallest limit, from 1 to 100 requests} */
  chunk?: number;
  /** The unit counted; a budget of another unit than requests is kept under `<scope> <unit>`. @default "requests" */
  unit?: string;
  /** Usage is kept per bucket of this length; a bucket counts until its end leaves a window. @default 1_000 */
  bucketMs?: number;
}

/** Windows at least this long are kept in the database by {@linkcode persistedWindows}. */
export const PERSIST_FROM_MS = 3_600_000;

/** The windows worth persisting: an hour or longer. */
export function persistedWindows(windows: readonly RateWindow[]): RateWindow[] {
  return windows.filter((w) => w.periodMs >= PERSIST_FROM_MS);
}

/**
 * The scope a budget is counted under: the API's origin when the URL template
 * fixes it, else the job.
 *
 * @example Usage
 * ```ts
 * import { budgetScope } from "./rate_budget.ts";
 * import assert from "node:assert/strict";
 * assert.equal(budgetScope("https://api.example.com/v1?q={{q}}", "j"), "https://api.example.com");
 * assert.equal(budgetScope("https://{{host}}/v1", "j"), "job:j");
 * ```
 */
export function budgetScope(urlTemplate: string, jobName: string): string {
  const origin = /^(https?:\/\/[^/?#]+)/i.exec(urlTemplate)?.[1];
  if (!origin || origin.includes("{{")) return `job:${jobName}`;
  try {
    return new URL(origin).origin;
  } catch {
    return `job:${jobName}`;
  }
}

/**
 * A budget over one or more long windows, reserved from the database.
 *
 * @example Usage
 * ```ts
 * import { RateBudget } from "./rate_budget.ts";
 * import { openStore } from "../store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const day = { limit: 2, periodMs: 86_400_000 };
 * const budget = new RateBudget(store.budget, "api", [day]);
 * assert.equal(await budget.reserve(0), 0);
 * assert.ok(budget.take());
 * assert.equal(await budget.reserve(0), 0);
 * assert.ok(budget.take());
 * assert.equal(await budget.reserve(5), 86_401_000); // the first second leaves the window
 * store.close();
 * ```
 */
export class RateBudget {
  readonly #store: BudgetStore;
  readonly #scope: string;
  readonly #windows: RateWindow[];
  readonly #chunk: number;
  readonly #bucketMs: number;
  readonly #longest: number;
  readonly #unit: string;
  #tokens = 0;
  /** Usage settled above what was reserved, to add at the next reservation. */
  #debt = 0;
  #tokenBucket = 0;
  // Each window's usage as read at the last reservation, and what that reservation added.
  readonly #usedAtReserve = new Map<RateWindow, number>();
  #lastReserved = 0;

  /** Makes a budget over `store`'s usage rows for `scope`. */
  constructor(
    store: BudgetStore,
    scope: string,
    windows: readonly RateWindow[],
    options: RateBudgetOptions = {},
  ) {
    const smallest = Math.min(...windows.map((w) => w.limit));
    const { unit = REQUESTS, bucketMs = 1_000 } = options;
    // A unit's chunk is not capped at 100: one request may cost thousands of tokens.
    const share = Math.max(1, Math.floor(smallest / 100));
    const { chunk = unit === REQUESTS ? Math.min(100, share) : share } = options;
    if (windows.length === 0 || !(smallest >= 1)) {
      throw new RangeError(
        `Cannot keep a budget without a limit of at least 1 per window: current value is '${smallest}'`,
      );
    }
    if (!Number.isInteger(chunk) || chunk < 1) {
      throw new RangeError(`Cannot use chunk as a positive integer: current value is '${chunk}'`);
    }
    this.#store = store;
    this.#unit = unit;
    this.#scope = unit === REQUESTS ? scope : `${scope} ${unit}`;
    this.#windows = [...windows];
    this.#chunk = chunk;
    this.#bucketMs = bucketMs;
    this.#longest = Math.max(...windows.map((w) => w.periodMs));
  }

  /** The scope usage is counted under. */
  get scope(): string {
    return this.#scope;
  }

  /** The unit counted. */
  get unit(): string {
    return this.#unit;
  }

  /** Requests (or units) reserved and not yet handed out. */
  get reserved(): number {
    return this.#tokens;
  }

  /**
   * Each window's usage as of the last reservation, less what is reserved
   * and not yet handed out, plus usage settled beyond it (other workers'
   * later use is not seen until the next reservation).
   */
  get usage(): BudgetUse[] {
    return this.#windows.map((w) => ({
      unit: this.#unit,
      limit: w.limit,
      periodMs: w.periodMs,
      used: Math.max(
        0,
        (this.#usedAtReserve.get(w) ?? 0) + this.#lastReserved - this.#tokens + this.#debt,
      ),
    }));
  }

  /** Whether `cost` (one request by default) can be handed out without a reservation first. */
  has(cost = 1): boolean {
    return this.#tokens >= cost && this.#debt <= 0;
  }

  /** Hands out `cost` of what is reserved (one request by default); false when a reservation is needed first. */
  take(cost = 1): boolean {
    if (!this.has(cost)) return false;
    this.#tokens -= cost;
    return true;
  }

  /**
   * A request handed out reported its usage: `delta` more (or less, when
   * negative) than it took. Less goes back to what is reserved; more is
   * taken from it, and beyond it added at the next reservation (or close).
   */
  settle(delta: number): void {
    const taken = Math.min(Math.max(0, delta), this.#tokens);
    this.#tokens -= delta < 0 ? delta : taken;
    this.#debt += Math.max(0, delta - taken);
  }

  /**
   * Reserves up to a chunk (and at least `cost` with what is already
   * reserved) at `now`. Resolves to 0 when some was reserved, else to the
   * time the budget has room again.
   */
  async reserve(now: number, cost = 1): Promise<number> {
    const bucket = Math.floor(now / this.#bucketMs) * this.#bucketMs;
    const since = bucket - this.#longest;
    const rows = (await this.#store.usage(this.#scope, since)).sort((a, b) => a.at - b.at);
    let room = Infinity;
    let retryAt = 0;
    this.#lastReserved = 0;
    const debt = this.#debt;
    // What this reservation must add at least; a cost above a whole window waits for it to empty.
    const least = Math.max(0, cost - this.#tokens) + debt;
    for (const w of this.#windows) {
      // A bucket still counts while any part of it is inside the window.
      const inside = rows.filter((r) => r.at + this.#bucketMs > now - w.periodMs);
      const used = inside.reduce((sum, r) => sum + r.used, 0);
      this.#usedAtReserve.set(w, used);
      const free = Math.floor(w.limit) - used;
      const need = Math.max(1, Math.min(least, Math.floor(w.limit)));
      room = Math.min(room, free >= need ? free : -1);
      if (free < need) {
        let excess = used - (Math.floor(w.limit) - need);
        for (const r of inside) {
          excess -= r.used;
          if (excess <= 0) {
            retryAt = Math.max(retryAt, r.at + this.#bucketMs + w.periodMs);
            break;
          }
        }
      }
    }
    if (room < 1) return Math.max(retryAt, now + 1);
    const n = Math.min(Math.max(this.#chunk, least), room);
    await this.#store.addUsage(this.#scope, bucket, n, since);
    // Leftovers of an older reservation were given back by close() only; keep counting them.
    this.#debt -= debt;
    this.#tokens += n - debt;
    this.#tokenBucket = bucket;
    this.#lastReserved = n;
    return 0;
  }

  /** Gives back the reserved grants not handed out. */
  async close(): Promise<void> {
    const unused = this.#tokens - this.#debt;
    this.#tokens = 0;
    this.#debt = 0;
    if (unused !== 0) {
      await this.#store.addUsage(
        this.#scope,
        this.#tokenBucket,
        -unused,
        this.#tokenBucket - this.#longest,
      );
    }
  }
}
