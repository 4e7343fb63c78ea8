/**
 * Duplicate keys in an input, found without a database (for `plan`): the
 * keys seen, each with its first line and a fingerprint of its fields, so a
 * duplicate is reported with both lines and whether its fields differ.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "./item_key.ts";

/** A query whose key an earlier query of the input has. */
export interface DuplicateLine {
  /** The key. */
  key: string;
  /** The line of this query. */
  line: number;
  /** The line of the first query with the key. */
  firstLine: number;
  /** True when the fields differ from the first query's (a mistake, most likely). */
  differs: boolean;
}

/** What {@linkcode DuplicateLines} found. */
export interface DuplicateLinesReport {
  /** Queries whose key an earlier query has: an import skips them. */
  count: number;
  /** Of those, the ones whose fields differ from the first's. */
  differing: number;
  /** The first ones, in input order. */
  first: DuplicateLine[];
  /** False when the input had more keys than `maxKeys`: keys past it were not checked. */
  complete: boolean;
}

/** Options for {@linkcode DuplicateLines}. */
export interface DuplicateLinesOptions {
  /**
   * Duplicates described in the report.
   *
   * @default {5}
   */
  keep?: number;
  /**
   * Distinct keys remembered (about 100 bytes each); a key first seen after
   * that many is not checked.
   *
   * @default {2_000_000}
   */
  maxKeys?: number;
}

/**
 * Finds the queries of an input whose key an earlier query has.
 *
 * @example Usage
 * ```ts
 * import { DuplicateLines } from "./duplicate_lines.ts";
 * import assert from "node:assert/strict";
 * const duplicates = new DuplicateLines();
 * duplicates.note("1", { id: 1, q: "a" }, 1);
 * duplicates.note("2", { id: 2, q: "b" }, 2);
 * duplicates.note("1", { id: 1, q: "c" }, 3);
 * assert.deepEqual(duplicates.report(), {
 *   count: 1,
 *   differing: 1,
 *   first: [{ key: "1", line: 3, firstLine: 1, differs: true }],
 *   complete: true,
 * });
 * ```
 */
export class DuplicateLines {
  readonly #keep: number;
  readonly #maxKeys: number;
  readonly #seen = new Map<string, { line: number; fingerprint: string }>();
  #count = 0;
  #differing = 0;
  #first: DuplicateLine[] = [];
  #complete = true;

  /** Starts with no key seen. */
  constructor(options: DuplicateLinesOptions = {}) {
    const { keep = 5, maxKeys = 2_000_000 } = options;
    this.#keep = keep;
    this.#maxKeys = maxKeys;
  }

  /** Notes a query: its key, its fields and the line it starts on. */
  note(key: string, vars: Record<string, unknown>, line: number): void {
    // Without an id, the key is a hash of the fields: the same key, the same fields.
    const fingerprint = vars.id === undefined
      ? ""
      : createHash("sha256").update(canonicalJson(vars)).digest("base64");
    const seen = this.#seen.get(key);
    if (seen === undefined) {
      if (this.#seen.size < this.#maxKeys) this.#seen.set(key, { line, fingerprint });
      else this.#complete = false;
      return;
    }
    this.#count++;
    const differs = seen.fingerprint !== fingerprint;
    if (differs) this.#differing++;
    if (this.#first.length < this.#keep) {
      this.#first.push({ key, line, firstLine: seen.line, differs });
    }
  }

  /** What was found so far. */
  report(): DuplicateLinesReport {
    return {
      count: this.#count,
      differing: this.#differing,
      first: [...this.#first],
      complete: this.#complete,
    };
  }
}
