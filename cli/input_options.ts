/**
 * The flags that say how to read the input, shared by `sluice run` and
 * `sluice plan`: its text encoding, the CSV delimiter, and whether rows that
 * cannot be imported stop the import or are skipped and listed.
 *
 * @module
 */
import type { Command } from "commander";

/** The flags of {@linkcode inputOptions}, as commander hands them over. */
export interface InputFlags {
  /** The input's format. @default "auto" (from the file name) */
  format?: "auto" | "json" | "jsonl" | "csv";
  /** The input's text encoding, a label TextDecoder knows. @default "utf-8" */
  encoding?: string;
  /** The CSV field delimiter. @default detected from the header line */
  csvDelimiter?: string;
  /** Skip the rows that cannot be imported, and list them. @default false */
  skipBadRows?: boolean;
}

/**
 * Adds the flags that say how to read the input to a command.
 *
 * @example Usage
 * ```ts
 * import { Command } from "commander";
 * import { inputOptions } from "./input_options.ts";
 * import assert from "node:assert/strict";
 * const command = inputOptions(new Command("run")).exitOverride();
 * command.parse(["--encoding", "latin1", "--csv-delimiter", ";", "--skip-bad-rows"], { from: "user" });
 * assert.deepEqual(command.opts(), { encoding: "latin1", csvDelimiter: ";", skipBadRows: true });
 * ```
 */
export function inputOptions(command: Command): Command {
  return command
    .option(
      "--encoding <label>",
      "the input's text encoding: latin1, windows-1252, utf-16le... (default utf-8)",
    )
    .option(
      "--csv-delimiter <char>",
      "CSV field delimiter: , ; tab | or another character (default detected from the header)",
    )
    .option(
      "--skip-bad-rows",
      "skip rows that cannot be imported (listed in the summary and by status) instead of stopping",
    );
}
