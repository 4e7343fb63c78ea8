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
 * the add are not one transaction).
 *
 * @module
 */
import type { RateWindow } from "./rate_spec.ts";

/** The two statements the budget needs; the store's `budget` repository implements them. */
export interface BudgetStore {
  /** Usage rows of `scope` in buckets starting at or after `since`. */
  usage(scope: string, since: number): Promise<{ at: number; used: number }[]>;
  /** Adds `delta` (negative to give back) to the bucket starting at `at`; drops buckets before `pruneBefore`. */
  addUsage(scope: string, at: number, delta: number, pruneBefore: number): Promise<void>;
}

/** One long window's use, as {@linkcode RateBudget.usage} reports it. */
export interface BudgetUse {
  /** Requests allowed per window. */
  limit: number;
  /** The window's length. */
  periodMs: number;
  /** Requests counted in the current window. */
  used: number;
}

/** Options for {@linkcode RateBudget}. */
export interface RateBudgetOptions {
  /** Grants reserved per statement. @default {1% of the smallest limit, from 1 to 100} */
  chunk?: number;
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
  #tokens = 0;
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
    const { chunk = Math.max(1, Math.min(100, Math.floor(smallest / 100))), bucketMs = 1_000 } =
      options;
    if (windows.length === 0 || !(smallest >= 1)) {
      throw new RangeError(
        `Cannot keep a budget without a limit of at least 1 per window: current value is '${smallest}'`,
      );
    }
    if (!Number.isInteger(chunk) || chunk < 1) {
      throw new RangeError(`Cannot use chunk as a positive integer: current value is '${chunk}'`);
    }
    this.#store = store;
    this.#scope = scope;
    this.#windows = [...windows];
    this.#chunk = chunk;
    this.#bucketMs = bucketMs;
    this.#longest = Math.max(...windows.map((w) => w.periodMs));
  }

  /** The scope usage is counted under. */
  get scope(): string {
    return this.#scope;
  }

  /** Grants reserved and not yet handed out. */
  get reserved(): number {
    return this.#tokens;
  }

  /**
   * Each window's usage as of the last reservation, less the grants reserved
   * and not yet handed out (other workers' later use is not seen until the next one).
   */
  get usage(): BudgetUse[] {
    return this.#windows.map((w) => ({
      limit: w.limit,
      periodMs: w.periodMs,
      used: Math.max(0, (this.#usedAtReserve.get(w) ?? 0) + this.#lastReserved - this.#tokens),
    }));
  }

  /** Hands out one reserved grant; false when a reservation is needed first. */
  take(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /**
   * Reserves up to a chunk of grants at `now`. Resolves to 0 when some were
   * reserved, else to the time the budget has room again.
   */
  async reserve(now: number): Promise<number> {
    const bucket = Math.floor(now / this.#bucketMs) * this.#bucketMs;
    const since = bucket - this.#longest;
    const rows = (await this.#store.usage(this.#scope, since)).sort((a, b) => a.at - b.at);
    let room = Infinity;
    let retryAt = 0;
    this.#lastReserved = 0;
    for (const w of this.#windows) {
      // A bucket still counts while any part of it is inside the window.
      const inside = rows.filter((r) => r.at + this.#bucketMs > now - w.periodMs);
      const used = inside.reduce((sum, r) => sum + r.used, 0);
      this.#usedAtReserve.set(w, used);
      const free = Math.floor(w.limit) - used;
      room = Math.min(room, free);
      if (free < 1) {
        let excess = used - (Math.floor(w.limit) - 1);
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
    const n = Math.min(this.#chunk, room);
    await this.#store.addUsage(this.#scope, bucket, n, since);
    // Leftovers of an older reservation were given back by close() only; keep counting them.
    this.#tokens += n;
    this.#tokenBucket = bucket;
    this.#lastReserved = n;
    return 0;
  }

  /** Gives back the reserved grants not handed out. */
  async close(): Promise<void> {
    const unused = this.#tokens;
    this.#tokens = 0;
    if (unused > 0) {
      await this.#store.addUsage(
        this.#scope,
        this.#tokenBucket,
        -unused,
        this.#tokenBucket - this.#longest,
      );
    }
  }
}
