import assert from "node:assert/strict";
import { LineIndex } from "../../lib/job/line_index.ts";

function indexOf(lines: number[], firstSeq = 0, options = {}) {
  const index = new LineIndex(options);
  lines.forEach((line, i) => index.note(firstSeq + i, line));
  return index;
}

Deno.test("LineIndex keeps a JSONL file with blank lines as one run per stretch", () => {
  const lines = [1, 2, 3, 5, 6, 7, 8, 12, 13];
  const index = indexOf(lines, 100);
  assert.deepEqual(lines.map((_, i) => index.lineOf(100 + i)), lines);
  assert.equal(index.runs, 3);
});

Deno.test("LineIndex keeps a minified array (every query on line 1) and pretty objects as one run", () => {
  const minified = indexOf(Array(1000).fill(1));
  assert.equal(minified.runs, 1);
  assert.equal(minified.lineOf(999), 1);
  const pretty = indexOf(Array.from({ length: 1000 }, (_, i) => 2 + 4 * i));
  assert.equal(pretty.runs, 1);
  assert.equal(pretty.lineOf(500), 2002);
});

Deno.test("LineIndex knows nothing of seqs it was not told", () => {
  const index = new LineIndex();
  assert.equal(index.lineOf(0), undefined);
  index.note(5, 1);
  index.note(6, 2);
  index.note(9, 3);
  assert.equal(index.lineOf(4), undefined);
  assert.equal(index.lineOf(7), undefined);
  assert.equal(index.lineOf(9), 3);
  assert.equal(index.lineOf(10), undefined);
});

Deno.test("LineIndex stops indexing at maxRuns, keeping what it has", () => {
  const index = indexOf([1, 3, 4, 9, 10, 20], 0, { maxRuns: 2 });
  assert.equal(index.runs, 2);
  // Runs: lines 1, 3 (two per query); then 4, 9 (five per query); 10 would start a third.
  assert.deepEqual([0, 1, 2, 3, 4].map((seq) => index.lineOf(seq)), [1, 3, 4, 9, undefined]);
});
