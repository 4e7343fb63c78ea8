/**
 * Streamed input reading: a JSON array, a job file, JSONL, CSV with a header
 * row, or standard input. Queries come out one by one with the line they start
 * on; streamed formats never hold the whole file in memory.
 *
 * @module
 */

import { JSONParser, TokenType } from "@streamparser/json";
import { CsvError, parse as parseCsv } from "csv-parse/stream";
import type { Info } from "csv-parse";
import { InputError } from "../errors.ts";
import type { RequestTemplate } from "./template.ts";

/** One query and where it was read. */
export interface QueryRecord {
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** 1-based line where the query starts. */
  line: number;
}

/** Everything in a job file except `queries`. */
export interface JobSettings {
  request?: RequestTemplate;
  rate?: string | number;
  burst?: number;
  concurrency?: number;
  [k: string]: unknown;
}

/** An opened input. */
export interface InputSource {
  /** Path, or `-` for standard input. */
  file: string;
  /** The format detected or asked for. */
  format: "json" | "jsonl" | "csv" | "job";
  /** The job file's settings; `{}` for other formats. */
  settings: JobSettings;
  /** The queries, streamed; may be iterated once. Errors surface while iterating. */
  queries: AsyncIterable<QueryRecord>;
}

/** Options for {@linkcode openInput}. */
export interface OpenInputOptions {
  /**
   * The format; `auto` goes by extension, then by content.
   *
   * @default {"auto"}
   */
  format?: "auto" | "json" | "jsonl" | "csv";
  /**
   * What `-` reads.
   *
   * @default {Deno.stdin.readable}
   */
  stdin?: ReadableStream<Uint8Array>;
  /** Stops reading: iteration throws the signal's reason. */
  signal?: AbortSignal;
}

type Format = InputSource["format"];
type Bytes = Uint8Array<ArrayBufferLike>;
type Vars = Record<string, unknown>;

const decoder = new TextDecoder();
const isObject = (v: unknown): v is Vars =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function toQuery(value: unknown, file: string, line: number): QueryRecord {
  if (isObject(value)) return { vars: value, line };
  const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
  throw new InputError(`Cannot use a query as an object: got ${kind}`, { file, line });
}

async function openFile(file: string): Promise<Deno.FsFile> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(file);
    if ((await handle.stat()).isDirectory) throw new Error("it is a directory");
    return handle;
  } catch (err) {
    handle?.close();
    const reason = err instanceof Deno.errors.NotFound
      ? "file not found"
      : err instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (err as Error).message;
    throw new InputError(`Cannot open input: ${reason}`, { file });
  }
}

const EXTENSIONS: Record<string, Format | "json-or-job"> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  csv: "csv",
  json: "json-or-job",
};

/** Decides the format from the first bytes, or returns undefined to ask for more. */
function sniff(head: Bytes, done: boolean, jsonOnly: boolean): Format | undefined {
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
  return "queries" in (first as Vars) ? "job" : "jsonl";
}

/** The rest of a stream; cancels it when the consumer stops early. */
async function* remaining(reader: ReadableStreamDefaultReader<Bytes>): AsyncGenerator<Bytes> {
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    await reader.cancel();
  }
}

const concat = async (chunks: Bytes[]): Promise<Bytes> =>
  new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());

async function* jsonlQueries(input: ReadableStream<Bytes>, file: string, signal?: AbortSignal) {
  let line = 0;
  let rest = "";
  const parseLine = (text: string) => {
    line++;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === "")) return undefined;
    try {
      return toQuery(JSON.parse(text), file, line);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError((err as Error).message, { file, line }, { cause: err });
    }
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

async function* csvQueries(input: ReadableStream<Bytes>, file: string, signal?: AbortSignal) {
  const parser = parseCsv({
    columns: true,
    info: true,
    bom: true,
    skip_empty_lines: true,
    record_delimiter: ["\r\n", "\n"],
    // Runs as each record is parsed, even one the stream then drops on an error.
    on_record: (record, context) => {
      parsed = { end: context.lines, empty: context.empty_lines };
      return record;
    },
  });
  let parsed = { end: 1, empty: 0 }; // where the last record parsed ended
  let previousEnd = 1; // the header's line
  let previousEmpty = 0;
  try {
    for await (const row of input.pipeThrough(parser, { signal })) {
      const { record, info } = row as { record: Record<string, string>; info: Info };
      const line = previousEnd + 1 + info.empty_lines - previousEmpty;
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      yield { vars: record as Vars, line };
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // An unclosed quote is only noticed at the end of the file: name the line it opened on.
    const line = err.code === "CSV_QUOTE_NOT_CLOSED"
      ? parsed.end + 1 + (Number(err.empty_lines ?? 0) - parsed.empty)
      : typeof err.lines === "number"
      ? err.lines
      : undefined;
    const message = err.message.replace(/,? (?:on|at) line \d+$/, "");
    throw new InputError(message, { file, line }, { cause: err });
  }
}

/** Maps byte offsets of a stream, fed chunk by chunk, to 1-based line numbers. */
class LineCounter {
  #chunk: Bytes = new Uint8Array(0);
  #base = 0; // offset of the current chunk's first byte
  #counted = 0; // newlines before this offset are in #line
  #line = 1;
  feed(chunk: Bytes): void {
    this.lineAt(this.#base + this.#chunk.length);
    this.#base += this.#chunk.length;
    this.#chunk = chunk;
  }
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

/** Streams the values at `$.*` (a JSON array) or `$.queries.*` (a job file). */
async function* jsonQueries(
  input: ReadableStream<Bytes>,
  file: string,
  signal: AbortSignal | undefined,
  job = false,
): AsyncGenerator<QueryRecord> {
  const parser = new JSONParser({ paths: [job ? "$.queries.*" : "$.*"], keepStack: false });
  const lines = new LineCounter();
  const depth = job ? 2 : 1;
  let level = 0;
  let start = 0;
  let last = 0;
  let error: Error | undefined;
  let found: { value: unknown; line: number }[] = [];
  parser.onToken = ({ token, offset }) => {
    last = lines.lineAt(offset);
    if (level === depth && token !== TokenType.COMMA && token !== TokenType.COLON) start = last;
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) level++;
    else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) level--;
  };
  parser.onValue = ({ value }) => found.push({ value, line: start });
  parser.onError = (err) => error ??= err;
  const fail = (err: Error): never => {
    const at = /absolute position "(\d+)"/.exec(err.message)?.[1];
    const line = at === undefined ? last : lines.lineAt(Number(at));
    const message = err.message.replace(/ at chunk position .*(?= in state)/, "");
    throw new InputError(message, { file, line }, { cause: err });
  };
  for await (const chunk of input) {
    signal?.throwIfAborted();
    lines.feed(chunk);
    parser.write(chunk);
    const batch = found;
    found = [];
    for (const { value, line } of batch) yield toQuery(value, file, line);
    if (error) fail(error);
  }
  if (!parser.isEnded) parser.end();
  for (const { value, line } of found) yield toQuery(value, file, line);
  if (error) fail(error);
}

async function readJob(bytes: Bytes, file: string): Promise<InputSource> {
  const queries = await Array.fromAsync(
    jsonQueries(ReadableStream.from([bytes]), file, undefined, true),
  );
  let settings: unknown;
  try {
    settings = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new InputError((err as Error).message, { file }, { cause: err });
  }
  if (!isObject(settings) || !Array.isArray(settings.queries)) {
    throw new InputError(`Cannot read input as a job file: it needs a "queries" array`, { file });
  }
  delete settings.queries;
  return { file, format: "job", settings, queries: ReadableStream.from(queries) };
}

/**
 * Opens an input for streaming. The format comes from `options.format`, else
 * the extension (`.jsonl`/`.ndjson`, `.csv`, `.json` for an array or a job
 * file), else the first bytes. A missing or unreadable file, or a bad job
 * file, throws here; errors in streamed formats surface while iterating.
 *
 * @param path A file path, or `-` for `options.stdin`.
 * @param options How to read it.
 * @returns The source, with its queries not yet read.
 * @throws {InputError} With the file and, where known, the line.
 *
 * @example Usage
 * ```ts
 * import { openInput } from "./input.ts";
 * import assert from "node:assert/strict";
 * const stdin = ReadableStream.from([new TextEncoder().encode('{"q":"a"}\n\n{"q":"b"}\n')]);
 * const input = await openInput("-", { stdin });
 * assert.equal(input.format, "jsonl");
 * const queries = await Array.fromAsync(input.queries);
 * assert.deepEqual(queries, [{ vars: { q: "a" }, line: 1 }, { vars: { q: "b" }, line: 3 }]);
 * ```
 */
export async function openInput(
  path: string,
  options: OpenInputOptions = {},
): Promise<InputSource> {
  const { format = "auto", stdin, signal } = options;
  signal?.throwIfAborted();
  const file = path;
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  let known: Format | "json-or-job" | undefined = format === "auto"
    ? EXTENSIONS[extension]
    : format === "json"
    ? "json-or-job"
    : format;
  const stdinStream = path === "-" ? stdin ?? Deno.stdin.readable : undefined;
  let open = async () => stdinStream ?? (await openFile(path)).readable;
  if (known !== "jsonl" && known !== "csv") {
    const reader = (await open()).getReader();
    let head: Bytes = new Uint8Array(0);
    let done = false;
    const jsonOnly = known === "json-or-job";
    while (!(known = sniff(head, done, jsonOnly))) {
      const read = await reader.read();
      if (read.done) done = true;
      else head = await concat([head, read.value]);
    }
    if (known === "job") {
      return readJob(await concat([head, ...await Array.fromAsync(remaining(reader))]), file);
    }
    if (stdinStream) {
      const rest = ReadableStream.from((async function* () {
        yield head;
        yield* remaining(reader);
      })());
      open = () => Promise.resolve(rest);
    } else {
      await reader.cancel();
    }
  } else if (!stdinStream) {
    (await openFile(path)).close();
  }
  const kind = known;
  const read = kind === "jsonl" ? jsonlQueries : kind === "csv" ? csvQueries : jsonQueries;
  // Opened on the first `next()`; after that each call is the reader's own, with
  // no wrapping generator in between (a `yield*` layer costs a few ticks a query).
  let reader: AsyncGenerator<QueryRecord> | undefined;
  let opening: Promise<AsyncGenerator<QueryRecord>> | undefined;
  const start = () => opening ??= open().then((stream) => reader = read(stream, file, signal));
  const iterator: AsyncIterableIterator<QueryRecord> = {
    next: () => reader ? reader.next() : start().then((r) => r.next()),
    return: async (value?: unknown) => {
      const r = reader ?? await opening;
      return r ? await r.return(value) : { done: true as const, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return { file, format: kind, settings: {}, queries: iterator };
}
