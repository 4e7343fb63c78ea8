/**
 * Rows an import skipped because they could not be imported (a CSV row that
 * cannot be read, a JSONL line that is not an object, a query the database
 * cannot hold or that lacks a template field), when the user asked to skip
 * them (`--skip-bad-rows`) rather than stop at the first.
 *
 * @module
 */

/** One skipped row. */
export interface BadRow {
  /** The 1-based line it starts on, when the format has lines. */
  line: number | undefined;
  /** Why it was skipped, in the project's error style. */
  reason: string;
}

/** Options for {@linkcode BadRows}. */
export interface BadRowsOptions {
  /**
   * Rows kept in `first`, for summaries; the count goes on.
   *
   * @default {20}
   */
  keep?: number;
}

/**
 * Collects the rows an import skipped: all of them until taken (to be
 * stored with the job), the first few for summaries, and their count.
 *
 * @example Usage
 * ```ts
 * import { BadRows } from "./bad_rows.ts";
 * import assert from "node:assert/strict";
 * const bad = new BadRows({ keep: 1 });
 * bad.add({ line: 3, reason: "Cannot read row" });
 * bad.add({ line: 7, reason: "Cannot read row" });
 * assert.equal(bad.count, 2);
 * assert.deepEqual(bad.first, [{ line: 3, reason: "Cannot read row" }]);
 * assert.equal(bad.take().length, 2);
 * assert.deepEqual(bad.take(), []);
 * ```
 */
export class BadRows {
  readonly #keep: number;
  #count = 0;
  #first: BadRow[] = [];
  #untaken: BadRow[] = [];

  /** Starts with no row skipped. */
  constructor(options: BadRowsOptions = {}) {
    const { keep = 20 } = options;
    this.#keep = keep;
  }

  /** Rows skipped so far. */
  get count(): number {
    return this.#count;
  }

  /** The first rows skipped, up to `keep`. */
  get first(): readonly BadRow[] {
    return this.#first;
  }

  /** Notes a skipped row. */
  add(row: BadRow): void {
    this.#count++;
    if (this.#first.length < this.#keep) this.#first.push(row);
    this.#untaken.push(row);
  }

  /** The rows skipped since the last call, to store them; they are not returned again. */
  take(): BadRow[] {
    const rows = this.#untaken;
    this.#untaken = [];
    return rows;
  }
}
