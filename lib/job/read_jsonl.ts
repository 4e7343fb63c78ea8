/**
 * JSONL (newline-delimited JSON) input: one query object per line, blank
 * lines skipped, streamed line by line; numbers a double would change keep
 * their exact text (`exact_json.ts`).
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { parseExactJson } from "./exact_json.ts";
import { type QueryRecord, type ReadQueriesOptions, toQueryRecord } from "./query_record.ts";

/**
 * Streams the queries of a JSONL input, each with its line number.
 *
 * @param input The bytes.
 * @param file The input's path, for errors.
 * @param options The signal, where lines that cannot be read go.
 * @returns The queries, in order.
 * @throws {InputError} While iterating: a line that is not JSON, or not an
 * object (unless `options.badRows` takes it).
 *
 * @example Usage
 * ```ts
 * import { readJsonl } from "./read_jsonl.ts";
 * import assert from "node:assert/strict";
 * const input = ReadableStream.from([new TextEncoder().encode('{"q":1}\n\n{"q":2}')]);
 * assert.deepEqual(await Array.fromAsync(readJsonl(input, "q.jsonl")), [
 *   { vars: { q: 1 }, line: 1 },
 *   { vars: { q: 2 }, line: 3 },
 * ]);
 * ```
 */
export async function* readJsonl(
  input: ReadableStream<Uint8Array<ArrayBufferLike>>,
  file: string,
  options: ReadQueriesOptions = {},
): AsyncGenerator<QueryRecord> {
  const { signal, badRows } = options;
  let line = 0;
  let rest = "";
  const parseLine = (text: string) => {
    line++;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === "")) return undefined;
    let value: unknown;
    try {
      value = parseExactJson(text);
    } catch (err) {
      const reason = (err as Error).message;
      if (!badRows) throw new InputError(reason, { file, line }, { cause: err });
      badRows.add({ line, reason });
      return undefined;
    }
    return toQueryRecord(value, file, line, badRows);
  };
  for await (const text of input.pipeThrough(new TextDecoderStream(), { signal })) {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const record = parseLine(rest === "" ? text.slice(start, nl) : rest + text.slice(start, nl));
      rest = "";
      start = nl + 1;
      if (record) yield record;
    }
    rest += text.slice(start);
  }
  const record = parseLine(rest);
  if (record) yield record;
}
