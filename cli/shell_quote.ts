/**
 * Words of a printed command line, quoted for a POSIX shell so the user can
 * paste it back.
 *
 * @module
 */

/**
 * Quotes one word for a POSIX shell: unchanged when it holds only safe
 * characters, else in single quotes (a `'` inside becomes `'\''`).
 *
 * @example Usage
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shellQuote("file:sluice.db"), "file:sluice.db");
 * assert.equal(shellQuote("my job"), "'my job'");
 * assert.equal(shellQuote("it's"), "'it'\\''s'");
 * assert.equal(shellQuote(""), "''");
 * ```
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command line from words: each one quoted by {@linkcode shellQuote},
 * except the first (a command prefix such as `deno task sluice`, already
 * shell text).
 *
 * @example Usage
 * ```ts
 * import { commandLine } from "./shell_quote.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   commandLine("deno task sluice", ["run", "--job", "my job"]),
 *   "deno task sluice run --job 'my job'",
 * );
 * ```
 */
export function commandLine(prefix: string, words: readonly string[]): string {
  return [prefix, ...words.map(shellQuote)].join(" ");
}
