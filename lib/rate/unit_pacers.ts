/**
 * The rate limiter's pacers, one per unit a request costs: requests first
 * (one each), then each other unit (tokens, points) as it is configured,
 * named by a cost, reported by a usage or advertised by the server. Each
 * paces its unit's windows (this worker's share of them), burst, server
 * quotas and budget; together they say when a request may go, count it,
 * settle its usage and learn from its answer.
 *
 * @module
 */
import { type BudgetUse, PERSIST_FROM_MS } from "./rate_budget.ts";
import type { RateLimitQuota } from "./rate_limit_headers.ts";
import type { Cost, LimiterReport } from "./rate_limiter_options.ts";
import { type RateWindow, REQUESTS } from "./rate_spec.ts";
import { shareWindows } from "./rate_share.ts";
import type { QuotaState, ServerQuotaOptions } from "./server_quota.ts";
import { UnitPacer, type UnitPacerOptions } from "./unit_pacer.ts";

/**
 * Every unit's pacer, requests first.
 *
 * @example Usage
 * ```ts
 * import { UnitPacers } from "./unit_pacers.ts";
 * import assert from "node:assert/strict";
 * const pacers = new UnitPacers({}, () => 1);
 * pacers.add("requests", {}, [{ limit: 10, periodMs: 1000 }]);
 * pacers.add("tokens", {}, [{ limit: 1000, periodMs: 1000 }]);
 * const costs = pacers.costs({ tokens: 500 });
 * assert.deepEqual(costs, [1, 500]);
 * pacers.record(1, 0, costs);
 * assert.equal(pacers.allowedAt(0, costs), 500); // tokens set the pace: 1 a ms
 * ```
 */
export class UnitPacers {
  readonly #quota: ServerQuotaOptions | false;
  readonly #share: () => number;
  readonly #list: UnitPacer[] = [];
  /** The latest grant counted, and each unit's as it was made: grants up to it reserved nothing there. */
  #lastGrant = 0;
  readonly #bornAfter = new Map<string, number>();
  readonly #byUnit = new Map<string, UnitPacer>();
  /** Each unit's windows as asked for, before this worker's share. */
  readonly #base = new Map<string, RateWindow[]>();
  #extra: RateWindow[] = [];
  #budgeted = false;

  /**
   * `quota` is how a unit added without options of its own reads the
   * server's quotas; `share()` is this worker's part of every window.
   */
  constructor(quota: ServerQuotaOptions | false, share: () => number) {
    this.#quota = quota;
    this.#share = share;
  }

  /** The pacer of `unit`, made (without windows, burst or budget) the first time. */
  get(unit: string): UnitPacer {
    return this.#byUnit.get(unit) ?? this.add(unit, {}, []);
  }

  /** Adds the pacer of `unit`, with its own options and windows. */
  add(unit: string, options: Omit<UnitPacerOptions, "share">, windows: readonly RateWindow[]) {
    const pacer = new UnitPacer(unit, {
      ...options,
      quota: options.quota ?? this.#quota,
      share: this.#share,
    });
    this.#list.push(pacer);
    this.#byUnit.set(unit, pacer);
    this.#bornAfter.set(unit, this.#lastGrant);
    if (pacer.budget) this.#budgeted = true;
    this.setWindows(unit, windows);
    return pacer;
  }

  /** Every pacer, requests first. */
  get all(): readonly UnitPacer[] {
    return this.#list;
  }

  /** The units besides requests, in the order they came. */
  get units(): string[] {
    return this.#list.filter((p) => p.unit !== REQUESTS).map((p) => p.unit);
  }

  /** Whether any unit keeps a budget in the database (grants then wait on reservations). */
  get budgeted(): boolean {
    return this.#budgeted;
  }

  /** The windows of `unit` in force (this worker's share), shortest first. */
  windows(unit: string): readonly RateWindow[] {
    return this.#byUnit.get(unit)?.windows ?? [];
  }

  /** Replaces the windows asked for of `unit` (made if new). */
  setWindows(unit: string, windows: readonly RateWindow[]): void {
    if (!this.#byUnit.has(unit)) this.get(unit);
    this.#base.set(unit, [...windows]);
    this.apply();
  }

  /**
   * Shares every unit's windows anew (this worker's share changed); `extra`
   * are windows of requests besides those asked for (`--rate auto`'s rate).
   */
  apply(extra: readonly RateWindow[] = this.#extra): void {
    this.#extra = [...extra];
    for (const pacer of this.#list) {
      const base = this.#base.get(pacer.unit) ?? [];
      const own = pacer.unit === REQUESTS ? [...this.#extra, ...base] : base;
      pacer.setWindows(shareWindows(own, this.#share()));
    }
  }

  /** Each pacer's cost for a request: one request, the cost given, or the unit's estimate. */
  costs(cost: Cost | undefined): number[] {
    for (const unit in cost) if (unit !== REQUESTS) this.get(unit);
    return this.#list.map((p) => p.unit === REQUESTS ? 1 : cost?.[p.unit] ?? p.estimate());
  }

  /** Earliest time a request of `costs` may go, by every unit. */
  allowedAt(now: number, costs: readonly number[]): number {
    let at = -Infinity;
    for (let i = 0; i < this.#list.length; i++) {
      at = Math.max(at, this.#list[i]!.allowedAt(now, costs[i] ?? 0));
    }
    return at;
  }

  /** Counts grant `grant` of `costs` at `now` in every unit. */
  record(grant: number, now: number, costs: readonly number[]): void {
    this.#lastGrant = Math.max(this.#lastGrant, grant);
    for (let i = 0; i < this.#list.length; i++) this.#list[i]!.record(grant, now, costs[i] ?? 0);
  }

  /**
   * A budget without room for `costs` reserves some: 0 once reserved (check
   * everything again, time has passed), else when it has room again;
   * undefined when every budget has room (then the costs are taken from them).
   */
  async reserve(now: number, costs: readonly number[]): Promise<number | undefined> {
    for (const [i, pacer] of this.#list.entries()) {
      if (pacer.budget && !pacer.budget.has(costs[i] ?? 0)) {
        return await pacer.budget.reserve(now, costs[i] ?? 0);
      }
    }
    this.#list.forEach((pacer, i) => pacer.budget?.take(costs[i] ?? 0));
    return undefined;
  }

  /**
   * The answer to `grant`: its usage settles the estimates, the server's
   * quotas (of any unit, one it advertises first included) pace from now on.
   */
  observe(
    grant: number,
    usage: Readonly<Record<string, number>> | undefined,
    quotas: readonly RateLimitQuota[],
    now: number,
    retryAt: number | undefined,
  ): void {
    if (usage) {
      for (const [unit, used] of Object.entries(usage)) {
        if (unit === REQUESTS) continue;
        // A grant made before this unit was known reserved nothing in it.
        const known = this.#byUnit.has(unit);
        const pacer = this.get(unit);
        pacer.settle(grant, used, !known || grant <= (this.#bornAfter.get(unit) ?? 0));
      }
    }
    if (this.#quota) { for (const q of quotas) this.get(q.unit); }
    for (const pacer of this.#list) {
      // No quota announced (most answers): the same empty list for every unit, no filter.
      const own = quotas.length === 0 ? quotas : quotas.filter((q) => q.unit === pacer.unit);
      pacer.observe(grant, own, now, retryAt);
    }
  }

  /** A granted request that was never sent. */
  forget(grant: number): void {
    for (const pacer of this.#list) pacer.forget(grant);
  }

  /** Each unit's burst. */
  get bursts(): Record<string, number> {
    return Object.fromEntries(this.#list.map((p) => [p.unit, p.burst]));
  }

  /** The longest window shared among workers: every unit's under an hour, the server's quotas. */
  get longestSharedMs(): number {
    let longest = 0;
    for (const pacer of this.#list) {
      const periods = [
        ...pacer.windows.map((w) => w.periodMs),
        ...pacer.quotas.map((q) => q.windowMs),
      ];
      for (const ms of periods) {
        if (ms !== undefined && ms < PERSIST_FROM_MS) longest = Math.max(longest, ms);
      }
    }
    return longest;
  }

  /** The server's quotas of every unit. */
  get quotas(): QuotaState[] {
    return this.#list.flatMap((p) => p.quotas);
  }

  /** Every budget's use. */
  get budgets(): BudgetUse[] {
    return this.#list.flatMap((p) => p.budget?.usage ?? []);
  }

  /** What each unit besides requests spent and holds now. */
  use(now: number): NonNullable<LimiterReport["units"]> {
    return this.#list.filter((p) => p.unit !== REQUESTS).map((p) => p.use(now));
  }

  /** Gives back what every budget reserved and did not use. */
  async close(): Promise<void> {
    for (const pacer of this.#list) await pacer.budget?.close();
  }
}
