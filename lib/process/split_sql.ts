/**
 * Splitting a text of SQL into its statements, the way SQLite's own
 * `sqlite3_complete()` tells where one ends: a `;` outside strings, quoted
 * names and comments, except inside a `CREATE TRIGGER ... BEGIN ... END`.
 * Each statement comes with the parameters it names, so that unknown ones
 * are reported before anything runs. libSQL prepares only the first
 * statement of a text and ignores the rest without a word: splitting here is
 * what makes a second statement run at all.
 *
 * @module
 */
import { quotedEnd } from "../store/sql_tokens.ts";

/** One statement of a SQL text. */
export interface SqlPiece {
  /** The statement, without its closing `;`. */
  sql: string;
  /** The line of the text it starts on (from 1). */
  line: number;
  /** The named parameters it uses, as written (`:key`, `@key`, `$key`), each once. */
  params: string[];
  /** True when it uses a positional parameter (`?` or `?NNN`). */
  positional: boolean;
}

// Tokens and states of sqlite3_complete() (SQLite's complete.c), triggers included.
const SEMI = 0, WS = 1, OTHER = 2, EXPLAIN = 3, CREATE = 4, TEMP = 5, TRIGGER = 6, END = 7;
const START = 1;
// TRANSITIONS[state][token]: state 0 is the start of the text, 1 after a complete statement.
const TRANSITIONS = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
] as const;
const KEYWORDS: Record<string, number> = {
  EXPLAIN,
  CREATE,
  TEMP,
  TEMPORARY: TEMP,
  TRIGGER,
  END,
};
const WORD = /[\p{L}\p{N}_$]/u;
const CLOSING: Record<string, string> = { "'": "'", '"': '"', "`": "`", "[": "]" };

/**
 * Splits `text` into statements; blank statements and comments alone are
 * dropped. A last statement without its `;` counts.
 *
 * @example Usage
 * ```ts
 * import { splitSql } from "./split_sql.ts";
 * import assert from "node:assert/strict";
 * const pieces = splitSql("INSERT INTO t VALUES (:key, ';');\n-- done\nSELECT ?");
 * assert.deepEqual(pieces.map((p) => p.sql), ["INSERT INTO t VALUES (:key, ';')", "SELECT ?"]);
 * assert.deepEqual(pieces[0]!.params, [":key"]);
 * assert.equal(pieces[1]!.positional, true);
 * assert.equal(pieces[1]!.line, 3);
 * ```
 */
export function splitSql(text: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  let state = 0;
  let start = -1;
  let line = 1;
  let startLine = 1;
  let params = new Set<string>();
  let positional = false;
  const finish = (end: number) => {
    if (start >= 0) {
      pieces.push({
        sql: text.slice(start, end).trim(),
        line: startLine,
        params: [...params],
        positional,
      });
    }
    start = -1;
    params = new Set();
    positional = false;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    let token: number;
    let end = i + 1;
    if (c === ";") token = SEMI;
    else if (/\s/.test(c)) token = WS;
    else if (c === "-" && text[i + 1] === "-") {
      token = WS;
      end = text.indexOf("\n", i);
      if (end < 0) end = text.length;
    } else if (c === "/" && text[i + 1] === "*") {
      token = WS;
      end = text.indexOf("*/", i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (c in CLOSING) {
      token = OTHER;
      end = quotedEnd(text, i, CLOSING[c]!);
    } else if (c === "?") {
      token = OTHER;
      while (end < text.length && /[0-9]/.test(text[end]!)) end++;
      positional = true;
    } else if ((c === ":" || c === "@" || c === "$") && WORD.test(text[i + 1] ?? "")) {
      token = OTHER;
      while (end < text.length && WORD.test(text[end]!)) end++;
      params.add(text.slice(i, end));
    } else if (WORD.test(c)) {
      while (end < text.length && WORD.test(text[end]!)) end++;
      token = KEYWORDS[text.slice(i, end).toUpperCase()] ?? OTHER;
    } else token = OTHER;
    if (token !== WS && token !== SEMI && start < 0) {
      start = i;
      startLine = line;
    }
    state = TRANSITIONS[state]![token]!;
    if (token === SEMI && state === START) finish(i);
    for (let j = i; j < end; j++) if (text[j] === "\n") line++;
    i = end;
  }
  finish(text.length);
  return pieces;
}
