/**
 * The one rule for a job's name when none is given, for the command line
 * and the library alike.
 *
 * @module
 */

/**
 * A job's default name: its input's base name without the extension;
 * `stdin` for standard input (`-`); `job` when nothing is left.
 *
 * @param file The input's path, `-` for standard input, or `queries` for
 * queries given as objects.
 *
 * @example Usage
 * ```ts
 * import { defaultJobName } from "./default_job_name.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultJobName("data/queries.jsonl"), "queries");
 * assert.equal(defaultJobName("-"), "stdin");
 * assert.equal(defaultJobName(".csv"), "job");
 * ```
 */
export function defaultJobName(file: string): string {
  if (file === "-") return "stdin";
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(jsonl|ndjson|json|csv)$/i, "") || "job";
}
