/**
 * The user's `--schema` and `--into` SQL, split into statements and checked
 * for what sluice can tell without a database: no transaction control (each
 * runs inside sluice's own transaction), and only the parameters an answer
 * sets. Whether each statement prepares is checked against the database
 * (`UserTableRepository.check`).
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { ANSWER_PARAMS, type UserStatement } from "../store/answer_statements.ts";
import { SANDBOX_RULES } from "../store/sql_rules.ts";
import { abbreviate } from "../util/abbreviate.ts";
import { splitSql } from "./split_sql.ts";

export { abbreviate };

/** Statements that would end or nest sluice's own transaction. */
const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

/** Options for {@linkcode compileSql}. */
export interface CompileSqlOptions {
  /**
   * Whether the statements run for each answer with its parameters (`--into`);
   * otherwise they run once and may use none (`--schema`).
   *
   * @default {false}
   */
  perAnswer?: boolean;
}

/**
 * Splits `text` into statements named after `source` (`--into`, or
 * `--into statement 2 (line 3)` when there are several).
 *
 * @param text The SQL, one statement or several separated by `;`.
 * @param source What the SQL is, for messages: `--schema`, `--into`...
 * @throws {InputError} For no statement at all, transaction control, a
 * positional parameter, or a parameter an answer does not set.
 *
 * @example Usage
 * ```ts
 * import { compileSql } from "./compile_sql.ts";
 * import assert from "node:assert/strict";
 * const into = compileSql("DELETE FROM hits WHERE key = :key; INSERT INTO hits VALUES (:key, :body)", "--into", {
 *   perAnswer: true,
 * });
 * assert.deepEqual(into.map((s) => s.label), ["--into statement 1 (line 1)", "--into statement 2 (line 1)"]);
 * assert.throws(() => compileSql("SELECT :nope", "--into", { perAnswer: true }), /:nope/);
 * ```
 */
export function compileSql(
  text: string,
  source: string,
  options: CompileSqlOptions = {},
): UserStatement[] {
  const { perAnswer = false } = options;
  const pieces = splitSql(text);
  if (pieces.length === 0) throw new InputError(`${source} holds no SQL statement`);
  return pieces.map((piece, i) => {
    const label = pieces.length === 1
      ? source
      : `${source} statement ${i + 1} (line ${piece.line})`;
    const shown = `${label}: ${abbreviate(piece.sql)}`;
    if (TRANSACTION_CONTROL.test(piece.sql)) {
      throw new InputError(
        `${shown}: sluice runs it inside its own transaction (${SANDBOX_RULES.transactions}); ` +
          `leave out BEGIN, COMMIT, ` +
          `ROLLBACK, SAVEPOINT and RELEASE`,
      );
    }
    const params = perAnswer ? ANSWER_PARAMS.map((p) => `:${p}`).join(", ") : "none";
    if (piece.positional) {
      throw new InputError(`${shown}: uses a positional parameter (?); use named ones: ${params}`);
    }
    const unknown = piece.params.filter((p) =>
      !perAnswer || !(ANSWER_PARAMS as readonly string[]).includes(p.slice(1))
    );
    if (unknown.length > 0) {
      throw new InputError(
        `${shown}: uses ${unknown.join(", ")}, which sluice does not set` +
          (perAnswer ? `; it sets ${params}` : `; ${source} runs once, with no answer`),
      );
    }
    return { sql: piece.sql, label, params: piece.params };
  });
}
