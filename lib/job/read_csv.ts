/**
 * CSV input with a header row: each record becomes a query whose fields are
 * the header's names and whose values are strings. The delimiter is given,
 * named by a first line `sep=;` (as Excel writes it) or detected from the
 * first lines (`csv_delimiter.ts`); a quote inside an
 * unquoted field is text (`a 5" screen`).
 *
 * A row that cannot be read (too many or too few fields, a quote never
 * closed, or closed lines later with text after it) stops the reading with its line, or, with `badRows`, is skipped:
 * the row is its first line only, and reading starts again on the next line
 * (a quote never closed would otherwise swallow the rest of the file).
 *
 * @module
 */
import { CsvError, CsvParser } from "../deps.ts";
import { InputError } from "../errors.ts";
import { detectCsvDelimiter } from "./csv_delimiter.ts";
import type { QueryRecord, ReadQueriesOptions } from "./query_record.ts";

type Bytes = Uint8Array<ArrayBufferLike>;

/** What a CSV input's header said, once read. */
export interface CsvHeader {
  /** The field delimiter, given or detected. */
  delimiter: string;
  /** The header's field names. */
  columns: string[];
}

/** Options for {@linkcode readCsv}. */
export interface ReadCsvOptions extends ReadQueriesOptions {
  /**
   * The field delimiter.
   *
   * @default {detected from the first lines: `,` `;` tab or `|`}
   */
  delimiter?: string;
  /** Called once the header is read, before the first query. */
  onHeader?: (header: CsvHeader) => void;
}

/** The error of a row whose quoted field closed, lines later, with text after its quote. */
const QUOTE_CLOSED_BY_TEXT = "SLUICE_QUOTE_CLOSED_BY_TEXT";

/** The line Excel may write before the header to name the delimiter: `sep=;`. */
const SEP_LINE = /^sep=([^\r\n])\r?\n/;

/** Bytes read before the delimiter is chosen (whole lines of them). */
const SAMPLE_BYTES = 64 * 1024;

/** csv-parse's parser core, which the stream classes wrap: one call per chunk, errors returned. */
interface CsvCore {
  parse(
    chunk: Bytes | undefined,
    end: boolean,
    push: (record: Record<string, string>) => void,
    close: () => void,
  ): Error | undefined;
}

const concat = (chunks: Bytes[]): Bytes => {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
};

/** Why a row cannot be read, in the project's style. */
function describe(err: CsvError, columns: string[] | undefined): string {
  const record = (err as unknown as { record?: unknown[] }).record;
  if (err.code === "CSV_RECORD_INCONSISTENT_COLUMNS" && columns && record) {
    return `Cannot read row as the header's ${columns.length} fields: it has ${record.length}`;
  }
  if (err.code === "CSV_QUOTE_NOT_CLOSED") {
    return "Cannot read row: a quote opened on this line is never closed";
  }
  if ((err.code as string) === QUOTE_CLOSED_BY_TEXT) return err.message;
  return err.message.replace(/,? (?:on|at) line \d+/, "");
}

/**
 * Streams the queries of a CSV input, each with the line its record starts
 * on (a quoted value may span lines; blank lines are skipped).
 *
 * @param input The bytes, UTF-8 (`decode_input.ts` makes them so).
 * @param file The input's path, for errors.
 * @param options The delimiter, where to put rows that cannot be read, the signal.
 * @returns The queries, in order.
 * @throws {InputError} While iterating: a row that cannot be read (unless
 * `badRows` takes it), with its line; a header that cannot be read.
 *
 * @example Usage
 * ```ts
 * import { readCsv } from "./read_csv.ts";
 * import assert from "node:assert/strict";
 * const input = ReadableStream.from([new TextEncoder().encode('q;n\na "b" c;1\n\nd;2\n')]);
 * assert.deepEqual(await Array.fromAsync(readCsv(input, "q.csv")), [
 *   { vars: { q: 'a "b" c', n: "1" }, line: 2 },
 *   { vars: { q: "d", n: "2" }, line: 4 },
 * ]);
 * ```
 */
export async function* readCsv(
  input: ReadableStream<Bytes>,
  file: string,
  options: ReadCsvOptions = {},
): AsyncGenerator<QueryRecord> {
  const { signal, badRows, onHeader } = options;
  const reader = input.getReader();
  try {
    // The first lines, to choose the delimiter.
    const head: Bytes[] = [];
    let size = 0;
    let done = false;
    while (size < SAMPLE_BYTES && !done) {
      signal?.throwIfAborted();
      const read = await reader.read();
      if (read.done) done = true;
      else {
        head.push(read.value);
        size += read.value.length;
      }
    }
    const whole = concat(head);
    // Excel's first line `sep=;` names the delimiter; the header is the line after it.
    const hint = SEP_LINE.exec(new TextDecoder().decode(whole.subarray(0, 16)));
    const sample = hint ? whole.subarray(new TextEncoder().encode(hint[0]).length) : whole;
    const delimiter = options.delimiter ?? hint?.[1] ?? detectCsvDelimiter(
      new TextDecoder().decode(done ? sample : sample.subarray(0, sample.lastIndexOf(0x0a) + 1)),
    );
    const rows = new CsvRows(file, delimiter, onHeader, hint ? 2 : 1);
    let next: Bytes | undefined = sample;
    while (true) {
      signal?.throwIfAborted();
      const { found, bad } = rows.parse(next);
      yield* found;
      if (bad) {
        if (!badRows) throw new InputError(bad.reason, { file, line: bad.line });
        badRows.add({ line: bad.line, reason: bad.reason });
        if (bad.rest === undefined) return; // the bad row was the last line
        // The lines after the row's first, read again (the end, again, when it came already).
        next = bad.rest;
        continue;
      }
      if (next === undefined) return;
      const read: ReadableStreamReadResult<Bytes> = done
        ? { done: true, value: undefined }
        : await reader.read();
      done = read.done;
      next = read.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** A row that cannot be read: its first line, and the bytes after that line. */
interface BadRow {
  line: number;
  reason: string;
  rest: Bytes | undefined;
}

/**
 * The rows of one CSV input, read by csv-parse's core one chunk at a time. A
 * row that cannot be read ends the parser; the next one starts on the line
 * after the row's first, with the header's columns.
 */
class CsvRows {
  readonly #file: string;
  readonly #delimiter: string;
  readonly #onHeader: ((header: CsvHeader) => void) | undefined;
  #columns: string[] | undefined;
  #parser!: CsvCore;
  #found: QueryRecord[] = [];
  #firstLine = 1; // the input line the parser started on
  #lastLine = 0; // the input line the last record (or the header) ended on
  #lastEmpty = 0; // empty lines the parser had skipped by then
  #kept: Bytes[] = []; // what the parser was fed since the last record's end
  #keptStart = 0; // offset of #kept's first byte, in the parser's input

  constructor(
    file: string,
    delimiter: string,
    onHeader: ((header: CsvHeader) => void) | undefined,
    headerLine: number,
  ) {
    this.#file = file;
    this.#delimiter = delimiter;
    this.#onHeader = onHeader;
    this.#start(headerLine);
  }

  /** A new parser, whose input starts on line `line` (1: the header). */
  #start(line: number): void {
    this.#firstLine = line;
    this.#lastLine = line - 1;
    this.#lastEmpty = 0;
    this.#kept = [];
    this.#keptStart = 0;
    const parser = new CsvParser({
      delimiter: this.#delimiter,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
      columns: this.#columns ?? ((header: string[]) => {
        const twice = header.findIndex((name, i) => name !== "" && header.indexOf(name) < i);
        if (twice >= 0) {
          // Read as an object, the row would keep the last column of the name only.
          throw new InputError(
            `Cannot read the CSV header: it names field "${header[twice]}" twice (columns ${
              header.indexOf(header[twice]!) + 1
            } and ${twice + 1}), and a row would keep only the last one's value`,
            { file: this.#file, line: this.#firstLine - 1 + parser.info.lines },
          );
        }
        this.#columns = header;
        this.#ended(parser.info.bytes, parser.info.lines, parser.info.empty_lines);
        this.#onHeader?.({ delimiter: this.#delimiter, columns: header });
        return header;
      }),
      on_record: (record, context) => {
        const values = record as unknown as Record<string, string>;
        if (this.#looseQuoteJoinedLines(values, context.bytes)) {
          // Thrown here, csv-parse's parse() returns it: the row is bad, as for its own errors.
          throw new CsvError(
            QUOTE_CLOSED_BY_TEXT as CsvError["code"],
            `Cannot read row: a quote opened on this line closes on line ${
              this.#firstLine - 1 + context.lines
            } with text after it`,
            parser.options,
            { lines: context.lines },
          );
        }
        const line = this.#lastLine + 1 + context.empty_lines - this.#lastEmpty;
        // With columns, a record is an object of the header's names.
        this.#found.push({ vars: record as unknown as Record<string, string>, line });
        this.#ended(context.bytes, context.lines, context.empty_lines);
        return null; // collected above: the parser's own output is not read
      },
    });
    // The core csv-parse's stream classes wrap: its error comes back from the
    // very chunk, with the records before it already handed to on_record.
    this.#parser = (parser as unknown as { api: CsvCore }).api;
  }

  /**
   * True when a value is a quoted field that lines later closed with text
   * after its quote (`"b,2⏎c,3⏎d" e`): csv-parse's relaxed quotes then read
   * it, opening quote and line breaks included, as one value. A quoted value
   * may well start with a quote and span lines (`"""a⏎b"" c"`): written
   * back as a quoted field, it is in the record's text.
   */
  #looseQuoteJoinedLines(values: Record<string, string>, end: number): boolean {
    const suspects = Object.values(values).filter((v) =>
      v.startsWith('"') && (v.includes("\n") || v.includes("\r"))
    );
    if (suspects.length === 0) return false;
    const text = new TextDecoder().decode(concat(this.#kept).subarray(0, end - this.#keptStart));
    return suspects.some((v) => !text.includes(`"${v.replaceAll('"', '""')}"`));
  }

  /** A record ended at byte `bytes` of the parser's input, on its line `lines`. */
  #ended(bytes: number, lines: number, empty: number): void {
    this.#lastLine = this.#firstLine - 1 + lines;
    this.#lastEmpty = empty;
    while (this.#kept.length > 0 && this.#keptStart + this.#kept[0]!.length <= bytes) {
      this.#keptStart += this.#kept.shift()!.length;
    }
    if (this.#kept.length > 0 && this.#keptStart < bytes) {
      this.#kept[0] = this.#kept[0]!.subarray(bytes - this.#keptStart);
      this.#keptStart = bytes;
    }
  }

  /** Parses a chunk (`undefined`: the end); returns the records read and the row that could not be. */
  parse(chunk: Bytes | undefined): { found: QueryRecord[]; bad: BadRow | undefined } {
    if (chunk) this.#kept.push(chunk);
    const err = this.#parser.parse(chunk, chunk === undefined, () => {}, () => {});
    const found = this.#found;
    this.#found = [];
    if (err === undefined) return { found, bad: undefined };
    if (!(err instanceof CsvError) || this.#columns === undefined) throw this.#error(err);
    return { found, bad: this.#badRow(err) };
  }

  /** The row that starts after the last record read: its first line only. */
  #badRow(err: CsvError): BadRow {
    const bytes = concat(this.#kept);
    let at = 0;
    let line = this.#lastLine + 1;
    for (;;) { // blank lines before it
      const blank = bytes[at] === 0x0a ? 1 : bytes[at] === 0x0d && bytes[at + 1] === 0x0a ? 2 : 0;
      if (blank === 0) break;
      at += blank;
      line++;
    }
    const end = bytes.indexOf(0x0a, at);
    const rest = end < 0 ? undefined : bytes.subarray(end + 1);
    // A quote that opened a field on this line and closed lines later made one long row.
    const ends = typeof err.lines === "number" ? this.#firstLine - 1 + err.lines : line;
    const reason = describe(err, this.#columns) +
      (ends > line && err.code !== "CSV_QUOTE_NOT_CLOSED" &&
          (err.code as string) !== QUOTE_CLOSED_BY_TEXT
        ? ` (a quoted field runs from this line on to line ${ends})`
        : "");
    if (rest !== undefined) this.#start(line + 1);
    return { line, reason, rest };
  }

  /** A CSV error before any row, or another error: the input cannot be read at all. */
  #error(err: Error): Error {
    if (!(err instanceof CsvError)) return err;
    return new InputError(
      describe(err, undefined),
      { file: this.#file, line: this.#lastLine + 1 },
      {
        cause: err,
      },
    );
  }
}
