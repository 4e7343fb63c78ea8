/**
 * The `rate_usage` table: usage of long rate windows (a daily budget) per
 * scope and second, kept across runs.
 *
 * @module
 */
import type { BudgetStore } from "../rate/rate_budget.ts";
import type { Executor } from "./connection.ts";

/**
 * The two statements a {@linkcode BudgetStore} needs.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await store.budget.addUsage("api", 1000, 3, 0);
 * await store.budget.addUsage("api", 1000, -1, 0);
 * assert.deepEqual(await store.budget.usage("api", 0), [{ at: 1000, used: 2 }]);
 * store.close();
 * ```
 */
export class BudgetRepository implements BudgetStore {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Rate budget usage of `scope` per bucket, for buckets starting at or after `since`. */
  async usage(scope: string, since: number): Promise<{ at: number; used: number }[]> {
    const rs = await this.#db.execute({
      sql: "SELECT at, used FROM rate_usage WHERE scope = ? AND at >= ? AND used > 0",
      args: [scope, since],
    }, "read rate budget");
    return rs.rows.map((r) => ({ at: Number(r[0]), used: Number(r[1]) }));
  }

  /** Adds `delta` (negative to give back) to a budget bucket; drops buckets before `pruneBefore`. */
  async addUsage(scope: string, at: number, delta: number, pruneBefore: number): Promise<void> {
    await this.#db.batch([
      {
        sql: `INSERT INTO rate_usage (scope, at, used) VALUES (?, ?, max(0, ?))
              ON CONFLICT (scope, at) DO UPDATE SET used = max(0, rate_usage.used + ?)`,
        args: [scope, at, delta, delta],
      },
      { sql: "DELETE FROM rate_usage WHERE scope = ? AND at < ?", args: [scope, pruneBefore] },
    ], "update rate budget");
  }
}
