/**
 * Opening the user's input from the command line: a file that is not there
 * is reported with the absolute path sluice looked at, since under a
 * launcher the working folder is not always the one the user thinks.
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../lib/errors.ts";
import { type InputSource, openInput } from "../lib/job/input.ts";
import type { InputFlags } from "./input_options.ts";

/**
 * Opens an input file (or `-` for standard input) as the flags say: its
 * format, encoding, CSV delimiter, and whether bad rows are skipped.
 *
 * @throws {InputError} For an input that cannot be opened; a missing file's
 * message ends with the absolute path tried.
 *
 * @example Usage
 * ```ts
 * import { openQueries } from "./open_queries.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(openQueries("no-such-file.jsonl"), {
 *   name: "InputError",
 *   message: `no-such-file.jsonl: Cannot open input: file not found (looked for ${Deno.cwd()}/no-such-file.jsonl)`,
 * });
 * ```
 */
export async function openQueries(
  input: string,
  flags: InputFlags = {},
): Promise<InputSource> {
  const { format = "auto", encoding, csvDelimiter, skipBadRows = false } = flags;
  try {
    return await openInput(input, {
      format,
      skipBadRows,
      ...(encoding ? { encoding } : {}),
      ...(csvDelimiter !== undefined ? { csvDelimiter: delimiterFlag(csvDelimiter) } : {}),
    });
  } catch (error) {
    if (!(error instanceof InputError) || input === "-" || await exists(input)) throw error;
    throw new InputError(`${error.message} (looked for ${resolve(input)})`, undefined, {
      cause: error,
    });
  }
}

/**
 * `--csv-delimiter`'s value: a tab may be written `tab` or `\t` (a shell does
 * not make a tab of `'\t'`).
 *
 * @example Usage
 * ```ts
 * import { delimiterFlag } from "./open_queries.ts";
 * import assert from "node:assert/strict";
 * assert.equal(delimiterFlag("tab"), "\t");
 * assert.equal(delimiterFlag("\\t"), "\t");
 * assert.equal(delimiterFlag(";"), ";");
 * ```
 */
export function delimiterFlag(value: string): string {
  return value === "tab" || value === "\\t" ? "\t" : value;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
