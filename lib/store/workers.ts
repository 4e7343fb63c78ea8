/**
 * The `workers` table: which processes work on a job, their heartbeats and
 * their shares of the job's rate; and the job's cooldown that all of them honour.
 *
 * @module
 */
import type { Executor } from "./connection.ts";

/** A row of `workers`. */
export interface WorkerRow {
  /** The worker's id (unique per process and run). */
  id: string;
  /** The worker's host name. */
  host: string;
  /** The worker's process id. */
  pid: number;
  /** The worker's last heartbeat (epoch ms). */
  heartbeat: number;
}

/** A worker's row with what it reports at each heartbeat. */
export interface WorkerProgress extends WorkerRow {
  /** Its share of the job's rate (1 / live workers), when recorded. */
  rateShare: number | undefined;
  /** Items it finished in its run, when recorded. */
  done: number | undefined;
}

/** A worker as it registers with {@linkcode WorkerRepository.heartbeat}. */
export interface WorkerInfo {
  /** The worker's id (unique per process and run). */
  id: string;
  /** The job's row id. */
  jobId: number;
  /** The worker's host name. */
  host: string;
  /** The worker's process id. */
  pid: number;
}

/**
 * Registers workers, refreshes their heartbeats, lists and removes them.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await store.workers.heartbeat({ id: "w1", jobId: 1, host: "h", pid: 7 }, 10);
 * await store.workers.heartbeat({ id: "w1", jobId: 1, host: "h", pid: 7 }, 20);
 * assert.deepEqual(await store.workers.list(1), [{ id: "w1", host: "h", pid: 7, heartbeat: 20 }]);
 * await store.workers.remove(["w1"]);
 * assert.deepEqual(await store.workers.list(1), []);
 * store.close();
 * ```
 */
export class WorkerRepository {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /**
   * Records a worker of the job, or refreshes its heartbeat, and, when given,
   * its share of the rate and the items it finished.
   */
  async heartbeat(
    worker: WorkerInfo,
    now: number,
    progress: { rateShare?: number; done?: number } = {},
  ): Promise<void> {
    await this.#db.execute({
      sql: `INSERT INTO workers (id, job, host, pid, started, heartbeat, rate_share, done)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat,
              rate_share = coalesce(excluded.rate_share, rate_share),
              done = coalesce(excluded.done, done)`,
      args: [
        worker.id,
        worker.jobId,
        worker.host,
        worker.pid,
        now,
        now,
        progress.rateShare ?? null,
        progress.done ?? null,
      ],
    }, "heartbeat");
  }

  /**
   * Each worker's last heartbeat, share of the rate and items finished, for `sluice status`.
   *
   * @example Usage
   * ```ts
   * import { openStore } from "./store.ts";
   * import assert from "node:assert/strict";
   * const store = await openStore(":memory:");
   * await store.workers.heartbeat({ id: "w1", jobId: 1, host: "h", pid: 7 }, 10, { rateShare: 0.5, done: 3 });
   * assert.deepEqual(await store.workers.progress(1), [
   *   { id: "w1", host: "h", pid: 7, heartbeat: 10, rateShare: 0.5, done: 3 },
   * ]);
   * store.close();
   * ```
   */
  async progress(jobId: number): Promise<WorkerProgress[]> {
    const rs = await this.#db.execute({
      sql: `SELECT id, host, pid, heartbeat, rate_share, done FROM workers WHERE job = ?
            ORDER BY host, pid`,
      args: [jobId],
    }, "read workers' progress");
    return rs.rows.map((r) => ({
      id: String(r[0]),
      host: String(r[1]),
      pid: Number(r[2]),
      heartbeat: Number(r[3]),
      rateShare: r[4] === null ? undefined : Number(r[4]),
      done: r[5] === null ? undefined : Number(r[5]),
    }));
  }

  /**
   * Extends the job's cooldown to `until` (never shortens it), with `cause`
   * saying why, and returns it as now recorded: the latest pause any worker
   * of the job asked for, and why. With `until` 0 it only reads (no write
   * transaction on every heartbeat).
   *
   * @example Usage
   * ```ts
   * import { openStore } from "./store.ts";
   * import assert from "node:assert/strict";
   * const store = await openStore(":memory:");
   * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
   * assert.deepEqual(await store.workers.shareCooldown(job.id, 0), { until: 0, cause: "" });
   * const five = await store.workers.shareCooldown(job.id, 5_000, "Retry-After of a 429");
   * assert.deepEqual(five, { until: 5_000, cause: "Retry-After of a 429" });
   * assert.equal((await store.workers.shareCooldown(job.id, 1_000, "breaker open")).until, 5_000);
   * store.close();
   * ```
   */
  async shareCooldown(
    jobId: number,
    until: number,
    cause = "",
  ): Promise<{ until: number; cause: string }> {
    const read = {
      sql:
        "SELECT coalesce(cooldown_until, 0), coalesce(cooldown_cause, '') FROM jobs WHERE id = ?",
      args: [jobId],
    };
    const rs = until > 0
      ? (await this.#db.batch([{
        sql: `UPDATE jobs SET cooldown_until = ?, cooldown_cause = ?
              WHERE id = ? AND coalesce(cooldown_until, 0) < ?`,
        args: [until, cause, jobId, until],
      }, read], "share cooldown"))[1]
      : await this.#db.execute(read, "read cooldown");
    const row = rs?.rows[0];
    return { until: Number(row?.[0] ?? 0), cause: String(row?.[1] ?? "") };
  }

  /** The job's registered workers. */
  async list(jobId: number): Promise<WorkerRow[]> {
    const rs = await this.#db.execute({
      sql: "SELECT id, host, pid, heartbeat FROM workers WHERE job = ?",
      args: [jobId],
    }, "list workers");
    return rs.rows.map((r) => ({
      id: String(r[0]),
      host: String(r[1]),
      pid: Number(r[2]),
      heartbeat: Number(r[3]),
    }));
  }

  /** The share of the job's rate recorded per worker id (workers with none are left out). */
  async rateShares(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#db.execute({
      sql: "SELECT id, rate_share FROM workers WHERE job = ? AND rate_share IS NOT NULL",
      args: [jobId],
    }, "read rate shares");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /** Removes workers' registrations. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.execute({
      sql: "DELETE FROM workers WHERE id IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify(ids)],
    }, "remove workers");
  }
}
