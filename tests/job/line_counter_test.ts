import assert from "node:assert/strict";
import { LineCounter } from "../../lib/job/line_counter.ts";

const text = "a\nbc\n\nd\u00e9f\ng\n";
const bytes = new TextEncoder().encode(text);

/** The line of every byte, counted by hand. */
const expected = (() => {
  const lines: number[] = [];
  let line = 1;
  for (const b of bytes) {
    lines.push(line);
    if (b === 0x0a) line++;
  }
  return lines;
})();

Deno.test("LineCounter gives the line of every offset, whatever the chunk size", () => {
  for (const size of [1, 2, 3, 5, bytes.length]) {
    const counter = new LineCounter();
    const got: number[] = [];
    for (let start = 0; start < bytes.length; start += size) {
      const chunk = bytes.subarray(start, start + size);
      counter.feed(chunk);
      for (let i = 0; i < chunk.length; i++) got.push(counter.lineAt(start + i));
    }
    assert.deepEqual(got, expected, `chunks of ${size}`);
  }
});

Deno.test("LineCounter counts the lines of chunks it skipped over", () => {
  const counter = new LineCounter();
  counter.feed(bytes.subarray(0, 4));
  counter.feed(bytes.subarray(4, 8));
  counter.feed(bytes.subarray(8));
  assert.equal(counter.lineAt(bytes.length - 1), expected.at(-1));
});

Deno.test("LineCounter keeps the line reached for an offset already passed", () => {
  const counter = new LineCounter();
  counter.feed(bytes);
  assert.equal(counter.lineAt(7), 4);
  assert.equal(counter.lineAt(0), 4);
});
