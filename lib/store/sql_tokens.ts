/**
 * SQL text as SQLite's own tokenizer (tokenize.c) reads it: names bare or
 * quoted (`"x"`, `[x]`, `` `x` ``), strings, numbers, parameters and
 * operators, without whitespace and comments. The SQL sandbox reads
 * statements through it, so that `ITEMS`, `"items"`, `[items]` and
 * `main.items` all name the same table, as they do to SQLite.
 *
 * @module
 */

/** What a token is. */
export type TokenKind =
  | "word" // a bare name or keyword
  | "quoted" // a quoted name: "x", [x], `x`
  | "string" // 'text'
  | "blob" // x'00ff'
  | "number"
  | "param" // ?, ?1, :name, @name, $name
  | "op"; // anything else: ( ) , ; . = || ->> ...

/** One token of a SQL text. */
export interface SqlToken {
  /** What it is. */
  kind: TokenKind;
  /** Its text as written. */
  text: string;
  /** For names and strings, the name or text without quotes; otherwise the text. */
  value: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const CLOSING: Record<string, string> = { '"': '"', "`": "`", "[": "]", "'": "'" };
const OPERATORS = ["->>", "->", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>"];

/**
 * The tokens of `sql`, comments and whitespace left out.
 *
 * @example Usage
 * ```ts
 * import { sqlTokens } from "./sql_tokens.ts";
 * import assert from "node:assert/strict";
 * const tokens = sqlTokens(`DELETE FROM "main".[ITEMS] -- gone\nWHERE k = 'it''s'`);
 * assert.deepEqual(tokens.map((t) => t.value), ["DELETE", "FROM", "main", ".", "ITEMS", "WHERE", "k", "=", "it's"]);
 * assert.deepEqual(tokens.map((t) => t.kind).slice(2, 5), ["quoted", "op", "quoted"]);
 * ```
 */
export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? "";
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if ((c === "x" || c === "X") && next === "'") {
      const end = quotedEnd(sql, i + 1, "'");
      tokens.push({ kind: "blob", text: sql.slice(i, end), value: sql.slice(i, end) });
      i = end;
    } else if (c in CLOSING) {
      const end = quotedEnd(sql, i, CLOSING[c]!);
      const text = sql.slice(i, end);
      const inner = text.slice(1, text.endsWith(CLOSING[c]!) && text.length > 1 ? -1 : undefined);
      const value = c === "[" ? inner : inner.replaceAll(c + c, c);
      tokens.push({ kind: c === "'" ? "string" : "quoted", text, value });
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      tokens.push(plain("word", sql.slice(i, end)));
      i = end;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(next))) {
      let end = i + 1;
      while (end < sql.length && /[0-9A-Za-z_.]/.test(sql[end]!)) {
        // An exponent's sign belongs to the number: 1e-5.
        end += /[eE]/.test(sql[end]!) && /[+-]/.test(sql[end + 1] ?? "") ? 2 : 1;
      }
      tokens.push(plain("number", sql.slice(i, end)));
      i = end;
    } else if (c === "?" || ((c === ":" || c === "@" || c === "$") && WORD_PART.test(next))) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      tokens.push(plain("param", sql.slice(i, end)));
      i = end;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i)) ?? c;
      tokens.push(plain("op", op));
      i += op.length;
    }
  }
  return tokens;
}

/**
 * A name folded as SQLite compares names: ASCII letters only, so that
 * `ITEMS` is `items` but `İtems` is not.
 *
 * @example Usage
 * ```ts
 * import { foldName } from "./sql_tokens.ts";
 * import assert from "node:assert/strict";
 * assert.equal(foldName("Main.ITEMS"), "main.items");
 * assert.equal(foldName("İTEMS"), "İtems");
 * ```
 */
export function foldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function plain(kind: TokenKind, text: string): SqlToken {
  return { kind, text, value: text };
}

/**
 * The end of a quoted string or name starting at `from` (its opening
 * quote); a doubled quote stays inside.
 *
 * @example Usage
 * ```ts
 * import { quotedEnd } from "./sql_tokens.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quotedEnd("'it''s' x", 0, "'"), 7);
 * ```
 */
export function quotedEnd(sql: string, from: number, close: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === close) {
      if (close !== "]" && sql[i + 1] === close) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}
