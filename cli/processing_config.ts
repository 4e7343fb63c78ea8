/**
 * A job's processing from the command line: `--schema` and `--into` (SQL,
 * or `@file.sql`), `--processor FILE`, each over the job file's `"schema"`,
 * `"into"` and `"processor"`, over what the job saved. What is resolved is
 * saved with the job, so that a resume processes the same way.
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../lib/errors.ts";
import type { ProcessingOptions } from "../lib/process/processing.ts";

/** The processing flags of `sluice run` and `sluice process`. */
export interface ProcessingFlags {
  /** SQL run once when the job starts, or `@file.sql`. */
  schema?: string;
  /** SQL run for each 2xx answer, or `@file.sql`. */
  into?: string;
  /** A processor module's path. */
  processor?: string;
}

/** What {@linkcode processingConfig} resolved. */
export interface ProcessingConfig {
  /** For `runJob()` and `prepareProcessing()`: the SQL text and the processor's absolute path. */
  options: ProcessingOptions & { processor?: string };
  /** The same, to save with the job. */
  saved: Record<string, string>;
}

/**
 * Resolves a job's processing: a flag wins over the job file, which wins
 * over what the job saved; `--into` and `--processor` replace each other.
 * `@file.sql` is read from the working directory (its text is what is
 * saved); a processor's path is made absolute.
 *
 * @throws {InputError} When a `@file` cannot be read, or a job file's value is not a string.
 *
 * @example Usage
 * ```ts
 * import { processingConfig } from "./processing_config.ts";
 * import assert from "node:assert/strict";
 * const config = processingConfig({ into: "INSERT INTO t VALUES (:key)" }, {}, {
 *   schema: "CREATE TABLE IF NOT EXISTS t (key TEXT)",
 *   into: "INSERT INTO old VALUES (:key)",
 * });
 * assert.deepEqual(config.options, {
 *   schema: "CREATE TABLE IF NOT EXISTS t (key TEXT)",
 *   into: "INSERT INTO t VALUES (:key)",
 * });
 * assert.deepEqual(config.saved, config.options);
 * ```
 */
export function processingConfig(
  flags: ProcessingFlags,
  settings: Record<string, unknown>,
  saved: Record<string, unknown>,
): ProcessingConfig {
  const layers = [
    { ...flags, from: (name: string) => `--${name}` },
    { ...settings, from: (name: string) => `"${name}" of the job file` },
    { ...saved, from: () => "" },
  ];
  const value = (layer: Record<string, unknown>, name: string, from: string) => {
    const text = layer[name];
    if (text === undefined) return undefined;
    if (typeof text !== "string") throw new InputError(`Cannot use ${from}: it is not a string`);
    return name === "processor" || from === "" ? text : sqlText(text, from);
  };
  const first = (names: string[]) =>
    layers.find((layer) => names.some((name) => layer[name as keyof typeof layer] !== undefined));
  const schemaFrom = first(["schema"]);
  const schema = schemaFrom && value(schemaFrom, "schema", schemaFrom.from("schema"));
  // --into and --processor replace each other: both come from the first place naming either.
  const answersFrom = first(["into", "processor"]);
  const into = answersFrom && value(answersFrom, "into", answersFrom.from("into"));
  const processor = answersFrom && value(answersFrom, "processor", answersFrom.from("processor"));
  const options = {
    ...(schema !== undefined ? { schema } : {}),
    ...(into !== undefined ? { into } : {}),
    ...(processor !== undefined ? { processor: resolve(processor) } : {}),
  };
  return { options, saved: { ...options } };
}

/**
 * SQL given as text, or as `@file.sql` (read from the working directory).
 *
 * @throws {InputError} When the file cannot be read.
 *
 * @example Usage
 * ```ts
 * import { sqlText } from "./processing_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sqlText("SELECT 1", "--into"), "SELECT 1");
 * assert.throws(() => sqlText("@no_such_file.sql", "--into"), /Cannot read --into from .*no_such_file\.sql/);
 * ```
 */
export function sqlText(value: string, what: string): string {
  if (!value.startsWith("@")) return value;
  const path = resolve(value.slice(1));
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
    throw new InputError(`Cannot read ${what} from ${path}: ${reason}`, undefined, {
      cause: error,
    });
  }
}
