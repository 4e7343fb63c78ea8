/**
 * CSV input with a header row: each record becomes a query whose fields are
 * the header's names and whose values are strings.
 *
 * @module
 */
import { CsvError, parseCsv } from "../deps.ts";
import type { CsvInfo as Info } from "../deps.ts";
import { InputError } from "../errors.ts";
import type { QueryRecord, ReadQueriesOptions } from "./query_record.ts";

/**
 * Streams the queries of a CSV input, each with the line its record starts on
 * (a quoted value may span lines; blank lines are skipped).
 *
 * @param input The bytes (a UTF-8 byte order mark is dropped).
 * @param file The input's path, for errors.
 * @param options The signal.
 * @returns The queries, in order.
 * @throws {InputError} While iterating: a malformed record, with its line where known.
 *
 * @example Usage
 * ```ts
 * import { readCsv } from "./read_csv.ts";
 * import assert from "node:assert/strict";
 * const input = ReadableStream.from([new TextEncoder().encode("q,n\na,1\n\nb,2\n")]);
 * assert.deepEqual(await Array.fromAsync(readCsv(input, "q.csv")), [
 *   { vars: { q: "a", n: "1" }, line: 2 },
 *   { vars: { q: "b", n: "2" }, line: 4 },
 * ]);
 * ```
 */
export async function* readCsv(
  input: ReadableStream<Uint8Array<ArrayBufferLike>>,
  file: string,
  options: ReadQueriesOptions = {},
): AsyncGenerator<QueryRecord> {
  const { signal } = options;
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
      yield { vars: record as Record<string, unknown>, line };
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
