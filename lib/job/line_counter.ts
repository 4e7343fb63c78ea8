/**
 * Line numbers for byte offsets of a stream read chunk by chunk, for parsers
 * that report offsets only.
 *
 * @module
 */

/**
 * Maps byte offsets of a stream, fed chunk by chunk, to 1-based line numbers.
 * Offsets asked for must not decrease, and must fall in the current chunk or
 * before it (earlier offsets get the line reached so far).
 *
 * @example Usage
 * ```ts
 * import { LineCounter } from "./line_counter.ts";
 * import assert from "node:assert/strict";
 * const lines = new LineCounter();
 * lines.feed(new TextEncoder().encode("a\nb"));
 * assert.equal(lines.lineAt(0), 1);
 * assert.equal(lines.lineAt(2), 2);
 * lines.feed(new TextEncoder().encode("\nc"));
 * assert.equal(lines.lineAt(4), 3);
 * ```
 */
export class LineCounter {
  #chunk: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #base = 0; // offset of the current chunk's first byte
  #counted = 0; // newlines before this offset are in #line
  #line = 1;

  /** Moves on to the next chunk of the stream. */
  feed(chunk: Uint8Array<ArrayBufferLike>): void {
    this.lineAt(this.#base + this.#chunk.length);
    this.#base += this.#chunk.length;
    this.#chunk = chunk;
  }

  /** The line of the byte at `offset` (counted from the stream's start). */
  lineAt(offset: number): number {
    const chunk = this.#chunk;
    const end = Math.min(offset, this.#base + chunk.length) - this.#base;
    let i = Math.max(this.#counted - this.#base, 0);
    if (i >= end) return this.#line;
    for (i = chunk.indexOf(0x0a, i); i >= 0 && i < end; i = chunk.indexOf(0x0a, i + 1)) {
      this.#line++;
    }
    this.#counted = this.#base + end;
    return this.#line;
  }
}
