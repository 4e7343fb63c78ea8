/**
 * Streamed input reading: a JSON array, a job file, JSONL, CSV with a header
 * row, or standard input. Queries come out one by one with the line they start
 * on; streamed formats never hold the whole file in memory.
 *
 * Each format has its reader (`read_jsonl.ts`, `read_csv.ts`,
 * `read_json_array.ts`, `read_job_file.ts`); this module picks one
 * (`sniff_format.ts` when the extension does not tell) and opens the file.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { BadRows } from "./bad_rows.ts";
import { decodeInput, textDecoder } from "./decode_input.ts";
import type { QueryRecord } from "./query_record.ts";
import { type CsvHeader, readCsv } from "./read_csv.ts";
import { type JobSettings, readJobFile } from "./read_job_file.ts";
import { readJsonArray } from "./read_json_array.ts";
import { readJsonl } from "./read_jsonl.ts";
import { type InputFormat, sniffFormat } from "./sniff_format.ts";

export type { QueryRecord } from "./query_record.ts";
export type { CsvHeader } from "./read_csv.ts";
export type { JobSettings } from "./read_job_file.ts";

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
  /**
   * A CSV input's delimiter and columns, once its header is read.
   *
   * @ignore
   */
  header?: CsvHeader;
  /**
   * With `skipBadRows`: the rows skipped so far (more are added while the
   * queries are read, and by the import for rows it cannot store).
   *
   * @ignore
   */
  badRows?: BadRows;
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
  /**
   * The input's text encoding, a label `TextDecoder` knows (`latin1`,
   * `windows-1252`, `utf-16le`...); bytes it does not allow are bad input.
   *
   * @default {"utf-8"}
   */
  encoding?: string;
  /**
   * A CSV input's field delimiter.
   *
   * @default {detected from the first lines: `,` `;` tab or `|`}
   */
  csvDelimiter?: string;
  /**
   * Skip the rows that cannot be read (and, at import, those that cannot be
   * stored or lack a template field) into `InputSource.badRows`, instead of
   * stopping at the first.
   *
   * @default {false}
   */
  skipBadRows?: boolean;
  /** Stops reading: iteration throws the signal's reason. */
  signal?: AbortSignal;
}

type Bytes = Uint8Array<ArrayBufferLike>;

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

const EXTENSIONS: Record<string, InputFormat | "json-or-job"> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  csv: "csv",
  json: "json-or-job",
};

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

/**
 * Opens an input for streaming. The format comes from `options.format`, else
 * the extension (`.jsonl`/`.ndjson`, `.csv`, `.json` for an array or a job
 * file), else the first bytes. The bytes must be UTF-8 unless
 * `options.encoding` names another encoding (`decode_input.ts`). A missing or
 * unreadable file, an unknown encoding or a bad job file throws here; errors
 * in streamed formats surface while iterating.
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
  const { format = "auto", stdin, encoding = "utf-8", csvDelimiter, signal } = options;
  signal?.throwIfAborted();
  const file = path;
  // Refused before anything is read.
  textDecoder(encoding, file);
  if (csvDelimiter !== undefined) checkDelimiter(csvDelimiter);
  const badRows = options.skipBadRows ? new BadRows() : undefined;
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  let known: InputFormat | "json-or-job" | undefined = format === "auto"
    ? EXTENSIONS[extension]
    : format === "json"
    ? "json-or-job"
    : format;
  const stdinStream = path === "-" ? stdin ?? Deno.stdin.readable : undefined;
  // Every reader, and the sniffing, sees UTF-8 that was checked or decoded.
  let open = async () =>
    decodeInput(stdinStream ?? (await openFile(path)).readable, file, { encoding });
  if (known !== "jsonl" && known !== "csv") {
    const reader = (await open()).getReader();
    let head: Bytes = new Uint8Array(0);
    let done = false;
    const jsonOnly = known === "json-or-job";
    while (!(known = sniffFormat(head, done, jsonOnly))) {
      const read = await reader.read();
      if (read.done) done = true;
      else head = await concat([head, read.value]);
    }
    if (known === "job") {
      const bytes = await concat([head, ...await Array.fromAsync(remaining(reader))]);
      const { settings, queries } = await readJobFile(bytes, file, badRows ? { badRows } : {});
      const job: InputSource = {
        file,
        format: "job",
        settings,
        queries: ReadableStream.from(queries),
      };
      return badRows ? { ...job, badRows } : job;
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
  const source: InputSource = {
    file,
    format: kind,
    settings: {},
    queries: undefined as unknown as AsyncIterable<QueryRecord>, // set below
    ...(badRows ? { badRows } : {}),
  };
  const readOptions = {
    ...(signal ? { signal } : {}),
    ...(badRows ? { badRows } : {}),
    ...(csvDelimiter !== undefined ? { delimiter: csvDelimiter } : {}),
    onHeader: (header: CsvHeader) => source.header = header,
  };
  const read = kind === "jsonl" ? readJsonl : kind === "csv" ? readCsv : readJsonArray;
  // Opened on the first `next()`; after that each call is the reader's own, with
  // no wrapping generator in between (a `yield*` layer costs a few ticks a query).
  let reader: AsyncGenerator<QueryRecord> | undefined;
  let opening: Promise<AsyncGenerator<QueryRecord>> | undefined;
  const start = () => opening ??= open().then((stream) => reader = read(stream, file, readOptions));
  const iterator: AsyncIterableIterator<QueryRecord> = {
    next: () => reader ? reader.next() : start().then((r) => r.next()),
    return: async (value?: unknown) => {
      const r = reader ?? await opening;
      return r ? await r.return(value) : { done: true as const, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  source.queries = iterator;
  return source;
}

/** Refuses a CSV delimiter csv-parse would misread: empty, a quote or a line break. */
function checkDelimiter(delimiter: string): void {
  if (delimiter === "" || /["\r\n]/.test(delimiter)) {
    throw new InputError(
      `Cannot use --csv-delimiter as a field delimiter: current value is ` +
        `${JSON.stringify(delimiter)} (it may not be empty, a quote or a line break)`,
    );
  }
}
