/**
 * The CSV flags of `sluice export` and `sluice sql`: `--csv-raw` and `--bom`.
 *
 * @module
 */
import type { CsvOptions } from "./format_rows.ts";
import { InputError } from "../lib/errors.ts";

/** The UTF-8 byte order mark `--bom` writes first, for spreadsheets that need one to read UTF-8. */
export const BOM = "\uFEFF";

/** The CSV flags as given. */
export interface CsvFlags {
  /** Keep text that starts like a formula as it is. @default false */
  csvRaw?: boolean;
  /** Start the output with a UTF-8 byte order mark. @default false */
  bom?: boolean;
}

/** How CSV output is written. */
export interface CsvOutput extends CsvOptions {
  /** Start with {@linkcode BOM}. */
  bom: boolean;
}

/**
 * The CSV output `flags` ask for, in output `format`.
 *
 * @throws {InputError} For `--csv-raw` or `--bom` with a format other than CSV.
 *
 * @example Usage
 * ```ts
 * import { csvOutput } from "./csv_output.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(csvOutput("csv", { bom: true }), { raw: false, bom: true });
 * assert.throws(() => csvOutput("jsonl", { bom: true }), /Cannot use --bom with --format jsonl/);
 * ```
 */
export function csvOutput(format: string, flags: CsvFlags): CsvOutput {
  const { csvRaw = false, bom = false } = flags;
  if (format !== "csv") {
    const flag = bom ? "--bom" : csvRaw ? "--csv-raw" : undefined;
    if (flag) {
      throw new InputError(`Cannot use ${flag} with --format ${format}: it is for CSV output`);
    }
  }
  return { raw: csvRaw, bom };
}
