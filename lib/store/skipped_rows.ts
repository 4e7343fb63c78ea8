/**
 * The `skipped_rows` table: the input rows an import skipped
 * (`--skip-bad-rows`), kept with the job so that `sluice status` lists them
 * after the run, by file and line, with the reason.
 *
 * @module
 */
import type { BadRow } from "../job/bad_rows.ts";
import type { Executor } from "./connection.ts";

/** A row an import skipped, as stored. */
export interface SkippedRow {
  /** The input's path (`-` for standard input). */
  file: string;
  /** The line it starts on, when the format has lines. */
  line: number | undefined;
  /** Why it was skipped. */
  reason: string;
}

/**
 * Keeps and lists the rows a job's imports skipped.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { SkippedRowRepository } from "./skipped_rows.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const skipped = new SkippedRowRepository(db);
 * await skipped.add(1, "q.csv", [{ line: 4, reason: "Cannot read row" }], 0);
 * assert.equal(await skipped.count(1), 1);
 * assert.deepEqual(await skipped.list(1, 10), [{ file: "q.csv", line: 4, reason: "Cannot read row" }]);
 * db.close();
 * ```
 */
export class SkippedRowRepository {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Adds rows skipped while importing `file` into the job. */
  async add(jobId: number, file: string, rows: readonly BadRow[], now: number): Promise<void> {
    if (rows.length === 0) return;
    await this.#db.execute({
      sql: `INSERT INTO skipped_rows (job, file, line, reason, at)
            SELECT ?, ?, value ->> 0, value ->> 1, ? FROM json_each(?)`,
      args: [jobId, file, now, JSON.stringify(rows.map((row) => [row.line ?? null, row.reason]))],
    }, "keep skipped rows");
  }

  /** How many rows the job's imports skipped. */
  async count(jobId: number): Promise<number> {
    const rs = await this.#db.execute({
      sql: "SELECT count(*) FROM skipped_rows WHERE job = ?",
      args: [jobId],
    }, "count skipped rows");
    return Number(rs.rows[0]![0]);
  }

  /** The first `limit` rows the job's imports skipped, in the order they were met. */
  async list(jobId: number, limit: number): Promise<SkippedRow[]> {
    const rs = await this.#db.execute({
      sql: "SELECT file, line, reason FROM skipped_rows WHERE job = ? ORDER BY rowid LIMIT ?",
      args: [jobId, limit],
    }, "list skipped rows");
    return rs.rows.map((row) => ({
      file: String(row[0]),
      line: row[1] === null ? undefined : Number(row[1]),
      reason: String(row[2]),
    }));
  }
}
