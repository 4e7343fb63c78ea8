/**
 * The input line of each query of an import, by its sequence number, kept as
 * runs (a query per line, or several per line, or one every N lines), so
 * that memory grows with the input's irregularities, not its length.
 *
 * @module
 */

/** Options for {@linkcode LineIndex}. */
export interface LineIndexOptions {
  /**
   * Runs kept at most; later queries are not indexed (their line is
   * unknown). A run costs about 12 bytes.
   *
   * @default {1_000_000}
   */
  maxRuns?: number;
}

/**
 * Maps sequence numbers, noted in increasing order, to the lines their
 * queries start on.
 *
 * @example Usage
 * ```ts
 * import { LineIndex } from "./line_index.ts";
 * import assert from "node:assert/strict";
 * const lines = new LineIndex();
 * lines.note(10, 1);
 * lines.note(11, 2);
 * lines.note(12, 4); // a blank line before it
 * lines.note(13, 5);
 * assert.deepEqual([10, 11, 12, 13].map((seq) => lines.lineOf(seq)), [1, 2, 4, 5]);
 * assert.equal(lines.lineOf(9), undefined);
 * assert.equal(lines.runs, 2);
 * ```
 */
export class LineIndex {
  readonly #maxRuns: number;
  #starts: number[] = []; // the seq of each run's first query
  #lines: number[] = []; // the line of each run's first query
  #steps: number[] = []; // lines from one query of the run to the next
  #counts: number[] = []; // queries in the run
  #lastLine = 0;
  #full = false;

  /** Creates an empty index. */
  constructor(options: LineIndexOptions = {}) {
    const { maxRuns = 1_000_000 } = options;
    this.#maxRuns = maxRuns;
  }

  /** The number of runs kept. */
  get runs(): number {
    return this.#starts.length;
  }

  /** Notes that the query `seq` (greater than any noted before) starts on `line`. */
  note(seq: number, line: number): void {
    if (this.#full) return;
    const last = this.#starts.length - 1;
    const count = this.#counts[last] ?? 0;
    if (last >= 0 && seq === this.#starts[last]! + count) {
      if (count === 1) this.#steps[last] = line - this.#lastLine;
      if (count === 1 || line === this.#lastLine + this.#steps[last]!) {
        this.#counts[last] = count + 1;
        this.#lastLine = line;
        return;
      }
    }
    if (this.#starts.length >= this.#maxRuns) {
      this.#full = true;
      return;
    }
    this.#starts.push(seq);
    this.#lines.push(line);
    this.#steps.push(0);
    this.#counts.push(1);
    this.#lastLine = line;
  }

  /** The line the query `seq` starts on, or undefined when it was not noted. */
  lineOf(seq: number): number | undefined {
    const starts = this.#starts;
    if (starts.length === 0 || seq < starts[0]!) return undefined;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= seq) low = mid;
      else high = mid - 1;
    }
    const offset = seq - starts[low]!;
    if (offset >= this.#counts[low]!) return undefined;
    return this.#lines[low]! + offset * this.#steps[low]!;
  }
}
