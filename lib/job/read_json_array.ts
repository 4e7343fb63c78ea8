/**
 * JSON input: the queries of a JSON array, or of a job file's `queries`
 * array, streamed value by value with the line each starts on; numbers a
 * double would change keep their exact text (`exact_json.ts`).
 *
 * @module
 */
import { Tokenizer, TokenParser, TokenType } from "../deps.ts";
import { InputError } from "../errors.ts";
import { exactNumber } from "./exact_json.ts";
import { LineCounter } from "./line_counter.ts";
import { type QueryRecord, type ReadQueriesOptions, toQueryRecord } from "./query_record.ts";

/** Options for {@linkcode readJsonArray}. */
export interface ReadJsonArrayOptions extends ReadQueriesOptions {
  /**
   * Read the `queries` array of a job file (`$.queries.*`) instead of a
   * top-level array (`$.*`).
   *
   * @default {false}
   */
  inJobFile?: boolean;
}

/** A tokenizer whose long numbers that a double would change stay their text. */
class ExactNumberTokenizer extends Tokenizer {
  protected override parseNumber(text: string): number {
    const value = Number(text);
    // The token parser stores whatever this returns; its type says number only.
    return text.length > 15 || value === 0 ? exactNumber(text, value) as number : value;
  }
}

/**
 * Streams the values at `$.*` (a JSON array) or `$.queries.*` (a job file)
 * as queries, each with the line it starts on.
 *
 * @param input The bytes.
 * @param file The input's path, for errors.
 * @param options The signal, and which array to read.
 * @returns The queries, in order.
 * @throws {InputError} While iterating: malformed JSON (with its line), or a value that
 * is not an object.
 *
 * @example Usage
 * ```ts
 * import { readJsonArray } from "./read_json_array.ts";
 * import assert from "node:assert/strict";
 * const input = ReadableStream.from([new TextEncoder().encode('[\n{"q":1},\n{"q":2}\n]')]);
 * assert.deepEqual(await Array.fromAsync(readJsonArray(input, "q.json")), [
 *   { vars: { q: 1 }, line: 2 },
 *   { vars: { q: 2 }, line: 3 },
 * ]);
 * ```
 */
export async function* readJsonArray(
  input: ReadableStream<Uint8Array<ArrayBufferLike>>,
  file: string,
  options: ReadJsonArrayOptions = {},
): AsyncGenerator<QueryRecord> {
  const { signal, inJobFile = false, badRows } = options;
  // JSONParser's wiring, with the tokenizer above (JSONParser cannot take one).
  const tokenizer = new ExactNumberTokenizer();
  const parser = new TokenParser({ paths: [inJobFile ? "$.queries.*" : "$.*"], keepStack: false });
  tokenizer.onEnd = () => {
    if (!parser.isEnded) parser.end();
  };
  parser.onEnd = () => {
    if (!tokenizer.isEnded) tokenizer.end();
  };
  parser.onError = (err) => tokenizer.error(err);
  const lines = new LineCounter();
  const depth = inJobFile ? 2 : 1;
  let level = 0;
  let start = 0;
  let last = 0;
  let error: Error | undefined;
  let found: { value: unknown; line: number }[] = [];
  tokenizer.onToken = (info) => {
    const { token, offset } = info;
    last = lines.lineAt(offset);
    if (level === depth && token !== TokenType.COMMA && token !== TokenType.COLON) start = last;
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) level++;
    else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) level--;
    parser.write(info); // after `start` moved: a value it completes is emitted here
  };
  parser.onValue = ({ value }) => found.push({ value, line: start });
  tokenizer.onError = (err) => error ??= err;
  const fail = (err: Error): never => {
    const at = /absolute position "(\d+)"/.exec(err.message)?.[1];
    const line = at === undefined ? last : lines.lineAt(Number(at));
    const message = err.message.replace(/ at chunk position .*(?= in state)/, "");
    throw new InputError(message, { file, line }, { cause: err });
  };
  for await (const chunk of input) {
    signal?.throwIfAborted();
    lines.feed(chunk);
    tokenizer.write(chunk);
    const batch = found;
    found = [];
    for (const { value, line } of batch) {
      const query = toQueryRecord(value, file, line, badRows);
      if (query) yield query;
    }
    if (error) fail(error);
  }
  if (!tokenizer.isEnded) tokenizer.end();
  for (const { value, line } of found) {
    const query = toQueryRecord(value, file, line, badRows);
    if (query) yield query;
  }
  if (error) fail(error);
}
