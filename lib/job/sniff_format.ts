/**
 * Input format detection from the first bytes, for files without a telling
 * extension and for standard input.
 *
 * @module
 */

/** The input formats sluice reads. */
export type InputFormat = "json" | "jsonl" | "csv" | "job";

const decoder = new TextDecoder();
const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Decides the format from the first bytes of an input, or returns undefined
 * to ask for more. A `[` starts a JSON array; a `{` starts JSONL when the next
 * line holds another object, or a single line without `queries`, and a job
 * file otherwise (also when the first MiB has no line break); anything else
 * is CSV. An empty input is JSONL with no queries (a job file, when `jsonOnly`).
 *
 * @param head The bytes read so far.
 * @param done True when `head` is the whole input.
 * @param jsonOnly True when the input is known to be JSON (a `.json` file):
 * then it is a JSON array or a job file.
 * @returns The format, or undefined when `head` is not enough to tell.
 *
 * @example Usage
 * ```ts
 * import { sniffFormat } from "./sniff_format.ts";
 * import assert from "node:assert/strict";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.equal(sniffFormat(bytes('[{"q":1}]'), true, false), "json");
 * assert.equal(sniffFormat(bytes('{"q":1}\n{"q":2}\n'), false, false), "jsonl");
 * assert.equal(sniffFormat(bytes('{"q":1}'), false, false), undefined);
 * assert.equal(sniffFormat(bytes("q,n\n"), false, false), "csv");
 * ```
 */
export function sniffFormat(
  head: Uint8Array<ArrayBufferLike>,
  done: boolean,
  jsonOnly: boolean,
): InputFormat | undefined {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (isSpace(head[i])) i++;
  if (i >= head.length) return done ? (jsonOnly ? "job" : "jsonl") : undefined;
  if (head[i] === 0x5b) return "json";
  if (jsonOnly) return "job";
  if (head[i] !== 0x7b) return "csv";
  let end = head.indexOf(0x0a, i);
  // No line break in the first MiB: a minified job file, not a JSONL line.
  if (end < 0 && !done) return head.length > 1 << 20 ? "job" : undefined;
  if (end < 0) end = head.length;
  let first: unknown;
  try {
    first = JSON.parse(decoder.decode(head.subarray(i, end)));
  } catch {
    return "job";
  }
  let next = end + 1;
  while (isSpace(head[next])) next++;
  if (next < head.length) return head[next] === 0x7b ? "jsonl" : "job";
  if (!done) return undefined;
  // A single line: one JSONL query unless it looks like a job file.
  return "queries" in (first as Record<string, unknown>) ? "job" : "jsonl";
}
