/**
 * A job's processing from the command line: `--schema` and `--into` (SQL,
 * or `@file.sql`), `--processor FILE`, `--processor-timeout`, each over the
 * job file's `"schema"`, `"into"`, `"processor"` and `"processorTimeout"`,
 * over what the job saved; read through the run settings' table
 * (lib/run/run_settings.ts), as `sluice run` reads them.
 *
 * @module
 */
import type { ProcessingOptions } from "../lib/process/processing.ts";
import { resolveSettings } from "../lib/run/resolve_settings.ts";

/** The processing flags of `sluice run` and `sluice process`. */
export interface ProcessingFlags {
  /** SQL run once when the job starts, or `@file.sql`. */
  schema?: string;
  /** SQL run for each 2xx answer, or `@file.sql`. */
  into?: string;
  /** A processor module's path. */
  processor?: string;
  /** How long the processor may take over one answer, e.g. `30s`. @default "30s" */
  processorTimeout?: string;
}

/** What {@linkcode processingConfig} resolved. */
export interface ProcessingConfig {
  /** For `prepareProcessing()`: the SQL text and the processor's absolute path. */
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
  const resolved = resolveSettings([
    { from: "flag", values: flags as Record<string, unknown> },
    { from: "job file", values: settings },
  ], saved);
  const { schema, into, processor, processorTimeoutMs } = resolved.values;
  const options = {
    ...(schema !== undefined ? { schema } : {}),
    ...(into !== undefined ? { into } : {}),
    ...(typeof processor === "string" ? { processor } : {}),
  };
  // A time limit given (not the default) is saved with the job, like the processor.
  const timeout = resolved.saved.processorTimeout;
  if (timeout === undefined) return { options, saved: { ...options } };
  return {
    options: { ...options, processorTimeoutMs },
    saved: { ...options, processorTimeout: String(timeout) },
  };
}
