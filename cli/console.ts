/**
 * Where the command line writes: data to stdout, messages to stderr.
 *
 * @module
 */

/** Where messages go: `log` for data (stdout), `error` for messages (stderr). */
export interface Console {
  /** Writes one line of data. */
  log(line: string): void;
  /** Writes one line of messages: progress, summaries, errors. */
  error(line: string): void;
}

/**
 * The CLI's only writers to the process's standard streams.
 *
 * @example Usage
 * ```ts no-assert
 * import { stdio } from "./console.ts";
 * stdio.error("sluice: a message on stderr");
 * ```
 */
export const stdio: Console = {
  // deno-lint-ignore no-console
  log: (line: string) => console.log(line),
  // deno-lint-ignore no-console
  error: (line: string) => console.error(line),
};
