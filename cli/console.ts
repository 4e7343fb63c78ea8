/**
 * Where the command line writes: data to stdout, messages to stderr.
 *
 * A write to a terminal that was closed (SIGHUP: the window is gone) throws
 * EIO, and one to a pipe whose reader is gone EPIPE. What is written then
 * reaches no one; a run that is stopping because its terminal closed must
 * still finish its stop, so these writers drop what they cannot write.
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

/** A stream the progress line is drawn on. */
export interface LineOutput {
  /** Writes bytes; returns how many were written. */
  writeSync(p: Uint8Array): number;
  /** True when a person reads it (a terminal). */
  isTerminal(): boolean;
}

/** Runs a write; one that fails (no one reads any more) is dropped. */
function dropFailed(write: () => void): void {
  try {
    write();
  } catch {
    // The terminal closed or the pipe's reader left: nothing to tell, no one to tell it to.
  }
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
  log: (line: string) => dropFailed(() => console.log(line)),
  // deno-lint-ignore no-console
  error: (line: string) => dropFailed(() => console.error(line)),
};

/**
 * Standard error for the progress line: `Deno.stderr`, with a write that
 * fails dropped (counted as written).
 *
 * @example Usage
 * ```ts
 * import { stderrLine } from "./console.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stderrLine.writeSync(new Uint8Array()), 0);
 * ```
 */
export const stderrLine: LineOutput = {
  writeSync(p: Uint8Array): number {
    let written = p.byteLength;
    dropFailed(() => written = Deno.stderr.writeSync(p));
    return written;
  },
  isTerminal: () => Deno.stderr.isTerminal(),
};
