/**
 * Duplicate keys found while importing: a query whose key the job already
 * has is skipped (that is what makes an import idempotent), but one whose
 * variables differ from the kept query's is most likely a mistake in the
 * input, worth reporting with its line and the line of the query kept.
 *
 * Only batches where the database skipped rows cost anything: the import
 * notes each query's line (kept as runs, see `line_index.ts`), and asks the
 * database for the kept rows of a batch's keys only when some were skipped.
 *
 * @module
 */
import { parseExactJson } from "./exact_json.ts";
import { canonicalJson } from "./item_key.ts";
import { LineIndex } from "./line_index.ts";

/** A row of an import batch: `[seq, key, varsJson]`, as `importItems` takes it. */
export type ImportRow = [seq: number, key: string, varsJson: string];

/** The row the job holds for a key. */
export interface KeptItem {
  /** The key. */
  key: string;
  /** Its sequence number. */
  seq: number;
  /** Its variables, as stored (JSON text). */
  vars: string;
}

/** A query skipped because its key was already in the job, with other variables. */
export interface DuplicateKey {
  /** The key. */
  key: string;
  /** Line of the skipped query, when known. */
  line: number | undefined;
  /** Line of the query kept, when this input holds it; undefined when an earlier import added it. */
  firstLine: number | undefined;
}

/** What an import skipped. */
export interface DuplicateReport {
  /** Queries skipped because their key was already in the job. */
  skipped: number;
  /** Of those, the ones whose variables differ from the kept query's. */
  differing: number;
  /** The first differing ones, in input order. */
  first: DuplicateKey[];
}

/** Options for {@linkcode DuplicateKeys}. */
export interface DuplicateKeysOptions {
  /**
   * Differing duplicates described in the report.
   *
   * @default {5}
   */
  keep?: number;
}

const sameVars = (a: string, b: string) =>
  a === b || canonicalJson(parseExactJson(a)) === canonicalJson(parseExactJson(b));

/**
 * Counts the queries an import skipped as duplicates and describes the first
 * few whose variables differ from the kept query's.
 *
 * Use: `note(seq, line)` for every query read; after a batch insert that
 * inserted fewer rows than it was given, `add(rows, kept)` with the rows the
 * job holds for the batch's keys; `report()` at the end.
 *
 * @example Usage
 * ```ts
 * import { DuplicateKeys } from "./duplicate_keys.ts";
 * import assert from "node:assert/strict";
 * const duplicates = new DuplicateKeys();
 * const rows: [number, string, string][] = [
 *   [0, "1", '{"id":1,"q":"a"}'],
 *   [1, "1", '{"id":1,"q":"b"}'],
 *   [2, "2", '{"id":2}'],
 * ];
 * rows.forEach(([seq], i) => duplicates.note(seq, i + 1));
 * // The database inserted 2 of 3 rows; it holds these for the batch's keys:
 * duplicates.add(rows, [{ key: "1", seq: 0, vars: '{"id":1,"q":"a"}' }, { key: "2", seq: 2, vars: '{"id":2}' }]);
 * assert.deepEqual(duplicates.report(), {
 *   skipped: 1,
 *   differing: 1,
 *   first: [{ key: "1", line: 2, firstLine: 1 }],
 * });
 * ```
 */
export class DuplicateKeys {
  readonly #keep: number;
  readonly #lines = new LineIndex();
  #skipped = 0;
  #differing = 0;
  #first: DuplicateKey[] = [];

  /** Starts with nothing skipped. */
  constructor(options: DuplicateKeysOptions = {}) {
    const { keep = 5 } = options;
    this.#keep = keep;
  }

  /** Notes the line the query `seq` starts on (seqs in increasing order). */
  note(seq: number, line: number): void {
    this.#lines.note(seq, line);
  }

  /**
   * Takes a batch whose insert skipped rows: every row whose key the job
   * holds under another seq was skipped.
   *
   * @param rows The batch, as given to the insert.
   * @param kept The rows the job holds for the batch's keys (at least those skipped).
   */
  add(rows: readonly ImportRow[], kept: readonly KeptItem[]): void {
    const byKey = new Map(kept.map((item) => [item.key, item]));
    for (const [seq, key, vars] of rows) {
      const item = byKey.get(key);
      if (item === undefined || item.seq === seq) continue;
      this.#skipped++;
      if (sameVars(vars, item.vars)) continue;
      this.#differing++;
      if (this.#first.length < this.#keep) {
        this.#first.push({
          key,
          line: this.#lines.lineOf(seq),
          firstLine: this.#lines.lineOf(item.seq),
        });
      }
    }
  }

  /** What was skipped so far. */
  report(): DuplicateReport {
    return { skipped: this.#skipped, differing: this.#differing, first: [...this.#first] };
  }
}
