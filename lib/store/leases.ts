/**
 * Leases on claimed items: released at a clean stop, renewed by the
 * heartbeat, and recovered from workers that are gone.
 *
 * @module
 */
import type { Executor } from "./connection.ts";

/**
 * The lease statements of the `items` table.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", "{}"]], 0);
 * await store.queue.claim(job.id, "gone", 1, 0, 100);
 * assert.equal(await store.leases.recover(job.id, 500, []), 1);
 * assert.equal((await store.queue.counts(job.id)).possiblySent, 1);
 * store.close();
 * ```
 */
export class LeaseRepository {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Returns every item leased to `owner` to `pending` (a clean stop). */
  async release(jobId: number, owner: string, now: number): Promise<number> {
    const rs = await this.#db.execute({
      sql: `UPDATE items SET status = 'pending', lease_owner = NULL, lease_until = NULL,
              updated = ?
            WHERE job = ? AND status = 'inflight' AND lease_owner = ?`,
      args: [now, jobId, owner],
    }, "release");
    return rs.rowsAffected;
  }

  /** Extends the leases of `owner`'s items until `leaseUntil`. */
  async renew(jobId: number, owner: string, leaseUntil: number): Promise<void> {
    await this.#db.execute({
      sql: `UPDATE items SET lease_until = ?
            WHERE job = ? AND status = 'inflight' AND lease_owner = ?`,
      args: [leaseUntil, jobId, owner],
    }, "renew leases");
  }

  /**
   * Returns to `pending` the in-flight items whose lease expired or whose owner
   * is known to be gone, marking them as possibly sent. Returns how many.
   */
  async recover(jobId: number, now: number, deadOwners: readonly string[]): Promise<number> {
    const rs = await this.#db.execute({
      sql: `UPDATE items SET status = 'pending', lease_owner = NULL, lease_until = NULL,
              possibly_sent = possibly_sent + 1, updated = ?
            WHERE job = ? AND status = 'inflight'
              AND (lease_until < ? OR lease_owner IN (SELECT value FROM json_each(?)))`,
      args: [now, jobId, now, JSON.stringify(deadOwners)],
    }, "recover leases");
    return rs.rowsAffected;
  }
}
