/**
 * Every npm package `lib/` uses, pinned here by full specifier, so that a
 * script outside this repository can import `lib/mod.ts` by path or URL
 * without sluice's `deno.json` (its import map does not apply there). The
 * versions are the ones in `deno.json`'s `imports`, which the CLI and the
 * tests use; `tests/deps_test.ts` checks that the two agree.
 *
 * @module
 */

export {
  type Client,
  createClient,
  type InStatement,
  type InValue,
  LibsqlBatchError,
  LibsqlError,
  type ResultSet,
  type Row,
  type Transaction,
  type TransactionMode,
} from "npm:@libsql/client@0.18.0";
// The native driver under @libsql/client (the same build, loaded once): local
// databases go through it (lib/store/native_client.ts), and the SQL sandbox
// compiles statements on it (lib/store/schema_clone.ts).
// @ts-types="./libsql_database.d.ts"
export { default as LibsqlDatabase } from "npm:libsql@0.5.29";

export { type Context, Hono, type HonoRequest, type MiddlewareHandler } from "npm:hono@4.13.19";
export { getCookie, setCookie } from "npm:hono@4.13.19/cookie";
export { html, raw } from "npm:hono@4.13.19/html";
export { secureHeaders } from "npm:hono@4.13.19/secure-headers";
export { streamSSE } from "npm:hono@4.13.19/streaming";
export { timingSafeEqual } from "npm:hono@4.13.19/utils/buffer";
export type { HtmlEscapedString } from "npm:hono@4.13.19/utils/html";

export { CsvError, Parser as CsvParser } from "npm:csv-parse@7.0.3";
export { parse as parseCsvText } from "npm:csv-parse@7.0.3/sync";
export { Tokenizer, TokenParser, TokenType } from "npm:@streamparser/json@0.0.26";
