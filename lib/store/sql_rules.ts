/**
 * The sandbox's rules that read a statement's text, before SQLite prepares
 * it (preparing alone may act: `PRAGMA writable_schema = ON` takes effect
 * as it is prepared, and `ATTACH` creates its file). What a statement does
 * once compiled (the functions it calls, the tables it writes, through
 * triggers and views too) is checked on its program: see sql_sandbox.ts.
 *
 * @module
 */
import { ALLOWED_MODULES, NAME_PRAGMAS, READING_PRAGMAS } from "./allowed_functions.ts";
import { protectedName } from "./sluice_tables.ts";
import { foldName, type SqlToken, sqlTokens } from "./sql_tokens.ts";

/** The sandbox's rules, by the names its messages give them. */
export const SANDBOX_RULES = {
  functions: "allowed functions only",
  attach: "no ATTACH or DETACH",
  pragmas: "reading pragmas only",
  ownTables: "sluice's and SQLite's tables are read-only",
  modules: "allowed virtual tables only",
  maintenance: "no VACUUM, ANALYZE or REINDEX",
  perAnswer: "no schema changes per answer",
  readOnly: "read-only unless --write",
  transactions: "no transaction control",
  foreignKeys: "no foreign keys to sluice's tables",
} as const;

/** Where a statement runs, which decides what it may do besides the rules every statement keeps. */
export type SqlUse =
  /** `sluice sql` without `--write`: reads only. */
  | "read"
  /** `sluice sql --write`, `--schema`, a processor's schema: writes and schema changes. */
  | "write"
  /** `--into`, and sluice's own statements into the user's tables: writes, no schema change. */
  | "per_answer";

/** A rule a statement breaks, and how. */
export interface Refusal {
  /** The rule, one of {@linkcode SANDBOX_RULES}. */
  rule: string;
  /** What the statement does that the rule forbids. */
  detail: string;
}

/** What the text of a statement says it is. */
export interface StatementShape {
  /** True when it creates, drops or alters a schema object. */
  ddl: boolean;
  /** The first rule it breaks, if any. */
  refused?: Refusal;
}

const TRANSACTION_CONTROL = ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"];
const DML = ["INSERT", "REPLACE", "UPDATE", "DELETE"];

/**
 * Reads `sql` (one statement) for what its text alone can tell: ATTACH,
 * PRAGMA, VACUUM, transaction control, a write or schema change where
 * `use` allows none, a write to or an object named like sluice's or
 * SQLite's tables (in trigger bodies too), a virtual table not allowed.
 *
 * @param deniedModules The virtual table modules of the database the sandbox refuses, lower case.
 *
 * @example Usage
 * ```ts
 * import { checkStatement } from "./sql_rules.ts";
 * import assert from "node:assert/strict";
 * const denied = new Set(["fsdir"]);
 * assert.match(checkStatement(`DELETE FROM main."ITEMS"`, "write", denied).refused!.detail, /items/);
 * assert.match(checkStatement("SELECT * FROM FSDIR('/')", "read", denied).refused!.rule, /virtual/);
 * assert.deepEqual(checkStatement("CREATE TABLE hits (k)", "write", denied), { ddl: true });
 * ```
 */
export function checkStatement(
  sql: string,
  use: SqlUse,
  deniedModules: ReadonlySet<string>,
): StatementShape {
  const tokens = sqlTokens(sql);
  const refused = mentionedModule(tokens, deniedModules);
  return refused ? { ddl: false, refused } : shapeOf(tokens, 0, tokens.length, use);
}

/**
 * The table a `CREATE [TEMP] [VIRTUAL] TABLE` statement creates, as
 * written (without its schema); undefined for any other statement.
 *
 * @example Usage
 * ```ts
 * import { tableCreatedBy } from "./sql_rules.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tableCreatedBy('CREATE TABLE IF NOT EXISTS main."My Hits" (k)'), "My Hits");
 * assert.equal(tableCreatedBy("CREATE VIRTUAL TABLE docs USING fts5(t)"), "docs");
 * assert.equal(tableCreatedBy("CREATE INDEX i ON t (k)"), undefined);
 * ```
 */
export function tableCreatedBy(sql: string): string | undefined {
  const t = sqlTokens(sql);
  if (word(t, 0) !== "CREATE") return undefined;
  let i = 1;
  while (["TEMP", "TEMPORARY", "VIRTUAL"].includes(word(t, i) ?? "")) i++;
  if (word(t, i) !== "TABLE") return undefined;
  i++;
  if (word(t, i) === "IF") i += 3;
  return qualifiedName(t, i)?.name;
}

function shapeOf(t: SqlToken[], from: number, to: number, use: SqlUse): StatementShape {
  let i = from;
  if (word(t, i) === "EXPLAIN") i += word(t, i + 1) === "QUERY" ? 3 : 1;
  if (word(t, i) === "WITH") i = mainStatement(t, i + 1, to);
  const head = (i < to ? word(t, i) : undefined) ?? "";
  if (DML.includes(head)) {
    if (use === "read") return refuse(SANDBOX_RULES.readOnly, `${head} writes`);
    const target = dmlTarget(t, i, head);
    return { ddl: false, ...refusedWrite(target, "writes") };
  }
  if (head === "CREATE" || head === "DROP" || head === "ALTER") {
    if (use === "read") return refuse(SANDBOX_RULES.readOnly, `${head} changes the schema`);
    if (use === "per_answer") {
      return refuse(
        SANDBOX_RULES.perAnswer,
        `${head} changes the schema, and --into runs for each answer: put it in --schema`,
      );
    }
    return { ddl: true, ...schemaChange(t, i, to, head) };
  }
  if (head === "PRAGMA") return { ddl: false, ...pragmaRefusal(t, i + 1) };
  if (head === "ATTACH" || head === "DETACH") {
    return refuse(SANDBOX_RULES.attach, `${head} reaches outside this database`);
  }
  if (head === "VACUUM" || head === "ANALYZE" || head === "REINDEX") {
    return refuse(SANDBOX_RULES.maintenance, `${head} rewrites sluice's tables or SQLite's`);
  }
  if (TRANSACTION_CONTROL.includes(head)) {
    return refuse(
      SANDBOX_RULES.transactions,
      `${head}: sluice runs the statements in a transaction of its own`,
    );
  }
  // SELECT, VALUES, or what SQLite will call a syntax error.
  return { ddl: false };
}

/** Where the main statement after `WITH` starts: past its common table expressions. */
function mainStatement(t: SqlToken[], from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    if (t[i]!.kind === "op" && t[i]!.value === "(") depth++;
    else if (t[i]!.kind === "op" && t[i]!.value === ")") depth--;
    else if (depth === 0 && ["SELECT", "VALUES", ...DML].includes(word(t, i) ?? "")) return i;
  }
  return to;
}

/** The table an INSERT, REPLACE, UPDATE or DELETE at `i` writes. */
function dmlTarget(t: SqlToken[], i: number, head: string): QualifiedName | undefined {
  let j = i + 1;
  if (word(t, j) === "OR") j += 2;
  if (head !== "UPDATE") {
    if (word(t, j) !== (head === "DELETE" ? "FROM" : "INTO")) return undefined;
    j++;
  }
  return qualifiedName(t, j);
}

/** CREATE, DROP and ALTER: the names they create, drop or change, and a virtual table's module. */
function schemaChange(t: SqlToken[], i: number, to: number, head: string): Partial<StatementShape> {
  let j = i + 1;
  if (head === "CREATE") {
    while (["TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL"].includes(word(t, j) ?? "")) j++;
  }
  const kind = word(t, j) ?? "";
  j += 1;
  if (word(t, j) === "IF") j += head === "CREATE" ? 3 : 2;
  const name = qualifiedName(t, j);
  const verb = head === "CREATE"
    ? `creates ${kind} "${name?.name}", the name of`
    : `${head === "DROP" ? "drops" : "alters"}`;
  const own = refusedWrite(name, verb);
  if (own.refused || head === "DROP") return own;
  if (head === "ALTER") {
    const rename = t.findIndex((_, k) => k > j && word(t, k) === "RENAME");
    return word(t, rename + 1) === "TO"
      ? refusedWrite(qualifiedName(t, rename + 2), "renames a table to the name of")
      : {};
  }
  const using = t.findIndex((_, k) => k > j && word(t, k) === "USING");
  if (kind === "TABLE" && using > 0) {
    const module = foldName(t[using + 1]?.value ?? "");
    if (!ALLOWED_MODULES.has(module)) {
      return refuse(SANDBOX_RULES.modules, `creates a virtual table of module ${module}`);
    }
  }
  if (kind !== "INDEX" && kind !== "TRIGGER") return {};
  const on = t.findIndex((_, k) => k > j && word(t, k) === "ON");
  const target = refusedWrite(
    qualifiedName(t, on + 1),
    kind === "INDEX" ? "indexes" : "adds a trigger to",
  );
  if (target.refused || kind === "INDEX") return target;
  return triggerBody(t, on, to);
}

/** The first rule a statement of a trigger's body breaks, if any. */
function triggerBody(t: SqlToken[], on: number, to: number): Partial<StatementShape> {
  let start = t.findIndex((_, k) => k > on && word(t, k) === "BEGIN") + 1;
  if (start === 0) return {};
  const end = word(t, to - 1) === "END" ? to - 1 : to;
  for (let k = start; k <= end; k++) {
    if (k === end || (t[k]!.kind === "op" && t[k]!.value === ";")) {
      const { refused } = shapeOf(t, start, k, "per_answer");
      if (refused) return { refused };
      start = k + 1;
    }
  }
  return {};
}

function pragmaRefusal(t: SqlToken[], i: number): Partial<StatementShape> {
  const name = qualifiedName(t, i);
  const pragma = foldName(name?.name ?? "");
  const next = t[name?.next ?? i];
  const valued = next?.kind === "op" && (next.value === "=" || next.value === "(");
  if (READING_PRAGMAS.has(pragma) && (!valued || NAME_PRAGMAS.has(pragma))) return {};
  return refuse(
    SANDBOX_RULES.pragmas,
    `PRAGMA ${pragma}${valued ? " with a value" : ""} ${
      READING_PRAGMAS.has(pragma) ? "changes a setting" : "is not a reading pragma"
    } (allowed: ${[...NAME_PRAGMAS].join(", ")}, and reading a setting without a value)`,
  );
}

/** A table-valued function or virtual table the sandbox refuses, named anywhere in the statement. */
function mentionedModule(t: SqlToken[], denied: ReadonlySet<string>): Refusal | undefined {
  for (const token of t) {
    if (token.kind !== "word" && token.kind !== "quoted" && token.kind !== "string") continue;
    const name = foldName(token.value);
    if (denied.has(name)) {
      return { rule: SANDBOX_RULES.modules, detail: `uses the virtual table ${name}` };
    }
    if (token.kind !== "string" && name.startsWith("pragma_")) {
      const pragma = name.slice("pragma_".length);
      if (!READING_PRAGMAS.has(pragma)) {
        return {
          rule: SANDBOX_RULES.pragmas,
          detail: `uses ${name}, and ${pragma} is not a reading pragma`,
        };
      }
    }
  }
  return undefined;
}

/** A name as written, maybe with its schema: `main.items`. */
interface QualifiedName {
  name: string;
  next: number;
}

function qualifiedName(t: SqlToken[], i: number): QualifiedName | undefined {
  if (!isName(t[i])) return undefined;
  if (t[i + 1]?.kind === "op" && t[i + 1]!.value === "." && isName(t[i + 2])) {
    return { name: t[i + 2]!.value, next: i + 3 };
  }
  return { name: t[i]!.value, next: i + 1 };
}

function refusedWrite(name: QualifiedName | undefined, verb: string): Partial<StatementShape> {
  const why = name && protectedName(name.name);
  return why ? refuse(SANDBOX_RULES.ownTables, `${verb} ${why}`) : {};
}

function refuse(rule: string, detail: string): { ddl: false; refused: Refusal } {
  return { ddl: false, refused: { rule, detail } };
}

function isName(token: SqlToken | undefined): boolean {
  return token?.kind === "word" || token?.kind === "quoted" || token?.kind === "string";
}

function word(t: SqlToken[], i: number): string | undefined {
  const token = t[i];
  return token?.kind === "word" ? token.value.toUpperCase() : undefined;
}
