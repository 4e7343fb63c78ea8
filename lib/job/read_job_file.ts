/**
 * Job files: one JSON object with the run's settings (`request`, `rate`, ...)
 * and its `queries` array, read whole and checked before anything runs.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { isRecord } from "../util/is_record.ts";
import { hasLongNumber, parseExactJson } from "./exact_json.ts";
import type { QueryRecord, ReadQueriesOptions } from "./query_record.ts";
import { readJsonArray } from "./read_json_array.ts";
import type { RequestTemplate } from "./template.ts";

/** Everything in a job file except `queries`. */
export interface JobSettings {
  /** The request template. */
  request?: RequestTemplate;
  /** The rate, as `--rate` takes it (`"50/s"`), or a number per second. */
  rate?: string | number;
  /** Requests that may go at once above the steady rate (`--burst`). */
  burst?: number;
  /** Requests in flight at most. */
  concurrency?: number;
  /** Any other run option, by its `--flag` name in camel case. */
  [k: string]: unknown;
}

/** A job file, read. */
export interface JobFile {
  /** Everything but `queries`. */
  settings: JobSettings;
  /** The queries, each with the line it starts on. */
  queries: QueryRecord[];
}

const decoder = new TextDecoder();

/**
 * Reads a whole job file: its queries (each checked to be an object, with its
 * line) and its other settings.
 *
 * @param bytes The file's content.
 * @param file The file's path, for errors.
 * @param options Where queries that are not objects go (`badRows`).
 * @returns The settings and queries.
 * @throws {InputError} On malformed JSON, no `queries` array, or a query that is not an object.
 *
 * @example Usage
 * ```ts
 * import { readJobFile } from "./read_job_file.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode('{"rate": "5/s", "queries": [{"q": 1}]}');
 * const job = await readJobFile(bytes, "job.json");
 * assert.deepEqual(job.settings, { rate: "5/s" });
 * assert.deepEqual(job.queries, [{ vars: { q: 1 }, line: 1 }]);
 * ```
 */
export async function readJobFile(
  bytes: Uint8Array<ArrayBufferLike>,
  file: string,
  options: Pick<ReadQueriesOptions, "badRows"> = {},
): Promise<JobFile> {
  const queries = await Array.fromAsync(
    readJsonArray(ReadableStream.from([bytes]), file, { ...options, inJobFile: true }),
  );
  const text = decoder.decode(bytes);
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (err) {
    throw new InputError((err as Error).message, { file }, { cause: err });
  }
  if (!isRecord(settings) || !Array.isArray(settings.queries)) {
    throw new InputError(`Cannot read input as a job file: it needs a "queries" array`, { file });
  }
  delete settings.queries;
  // A JSON body template may hold long numbers (ids): it alone is read again with
  // their exact text (a double changed them, so they print long); the other
  // settings are numbers sluice itself reads.
  const request = settings.request;
  if (isRecord(request) && hasLongNumber(JSON.stringify(request.body) ?? "")) {
    request.body = (parseExactJson(text) as { request: { body: unknown } }).request.body;
  }
  return { settings, queries };
}
