/**
 * The sandbox the user's SQL runs in (`sluice sql`, `--schema`, `--into`,
 * a processor's tables and schema, `sluice process`): no functions but
 * SQLite's core, JSON, math, date and time, aggregate and window ones; no
 * ATTACH; no PRAGMA that writes; no write of any kind to sluice's tables or
 * SQLite's; only the allowed virtual tables. Reading sluice's tables is fine.
 *
 * Each statement is checked twice before it runs: its text
 * (sql_rules.ts), then the program SQLite compiles it to against a copy of
 * the database's schema (schema_clone.ts): every function the program
 * calls, every table it opens for writing, the programs of the triggers it
 * fires, of the views it reads and of the generated columns, CHECK
 * constraints and indexes it computes. A statement that changes the schema
 * is made on the copy too, and the copy's every table is then compiled
 * again (its INSERT, UPDATE, DELETE), so that a trigger or view that
 * breaks a rule is refused when it is created, not when it fires.
 *
 * What runs later runs against the schema it was checked against: sluice's
 * writes that run the user's statements begin with a statement that fails
 * unless the schema version is still the one checked ({@linkcode SchemaPin}),
 * in the same transaction; a changed schema is checked again first.
 *
 * Why not libSQL's `Database.authorizer()`: in libsql 0.5.29 its rules are
 * a table name → allow or deny map (case-sensitive), and it denies every
 * function call (`count`, `json_extract`), every PRAGMA and every BEGIN and
 * COMMIT, and cannot be removed; @libsql/client's connections are private
 * to its pool; a libSQL server has none. The program of a statement says
 * all the authorizer would, and the same way for a file or a server.
 *
 * @module
 */
import type { InStatement, ResultSet } from "../deps.ts";
import { InputError } from "../errors.ts";
import { abbreviate } from "../util/abbreviate.ts";
import { ALLOWED_FUNCTIONS, ALLOWED_MODULES } from "./allowed_functions.ts";
import { type ProgramOp, SchemaClone, type SchemaObject } from "./schema_clone.ts";
import { protectedName, SLUICE_INDEXES } from "./sluice_tables.ts";
import { checkStatement, type Refusal, SANDBOX_RULES, type SqlUse } from "./sql_rules.ts";
import { foldName } from "./sql_tokens.ts";
import { sqliteMessage } from "./write_in_chunks.ts";

export { SANDBOX_RULES, type SqlUse } from "./sql_rules.ts";

/** Runs one reading statement on the database: how the sandbox reads its schema. */
export type ReadSql = (statement: InStatement) => Promise<ResultSet>;

/** One statement to check: its text, how messages name it, where it runs. */
export interface SandboxedStatement {
  /** One statement. */
  sql: string;
  /** How messages name it, e.g. `--into statement 2 (line 3)`. */
  label: string;
  /** What it may do besides the rules every statement keeps. */
  use: SqlUse;
}

/** The schema's version and objects, main then temp, in one read (one snapshot). */
const SCHEMA = `SELECT 0, 0, 'version', '', '', schema_version FROM pragma_schema_version
  UNION ALL SELECT 1, rowid, type, name, tbl_name, sql FROM sqlite_schema
  UNION ALL SELECT 2, rowid, type, name, tbl_name, sql FROM sqlite_temp_schema
  ORDER BY 1, 2`;

const ALLOWED_ONLY =
  "; allowed are SQLite's core, JSON, math, date and time, aggregate and window functions";
const FUNCTION_OPS = /^(Function|PureFunc|Agg(Step1?|Inverse|Value|Final))$/;
/** OpenWrite's P2 is a register (a b-tree the statement creates), not a root page. */
const OPFLAG_P2ISREG = 0x10;

/**
 * A database's schema ready to check statements against; close it after.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { SqlSandbox } from "./sql_sandbox.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const sandbox = await SqlSandbox.open((s) => db.execute(s, "read the schema"), db.url);
 * sandbox.check({ sql: "SELECT count(*) FROM items", label: "sql", use: "read" });
 * assert.throws(
 *   () => sandbox.check({ sql: "SELECT readfile('/etc/passwd')", label: "sql", use: "read" }),
 *   /allowed functions only.*readfile/,
 * );
 * assert.throws(
 *   () => sandbox.check({ sql: "UPDATE items SET status = 'pending'", label: "--into", use: "per_answer" }),
 *   /sluice's own table "items"/,
 * );
 * sandbox.close();
 * db.close();
 * ```
 */
export class SqlSandbox {
  /** The schema version of the database when its schema was read. */
  readonly version: number;
  readonly #clone: SchemaClone;
  readonly #denied: ReadonlySet<string>;
  #changed: { label: string; sql: string } | undefined;

  private constructor(clone: SchemaClone, version: number) {
    this.#clone = clone;
    this.version = version;
    this.#denied = new Set(clone.modules().filter((m) => !ALLOWED_MODULES.has(m)));
  }

  /**
   * Reads the schema of a database through `read` and copies it.
   *
   * @param url The database, for messages.
   * @throws {InputError} When the schema cannot be copied (a check would not hold).
   */
  static async open(read: ReadSql, url: string): Promise<SqlSandbox> {
    const rs = await read(SCHEMA);
    let version = 0;
    const objects: SchemaObject[] = [];
    for (const row of rs.rows) {
      if (Number(row[0]) === 0) version = Number(row[5]);
      else {
        objects.push({
          temp: Number(row[0]) === 2,
          type: String(row[2]),
          name: String(row[3]),
          table: String(row[4]),
          sql: row[5] === null ? null : String(row[5]),
        });
      }
    }
    try {
      return new SqlSandbox(SchemaClone.of(objects), version);
    } catch (error) {
      throw new InputError(
        `Cannot check SQL against the schema of ${url}: ${(error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
  }

  /**
   * Checks one statement; a statement that changes the schema is made on
   * the copy, so that the next ones are checked against the new schema.
   *
   * @throws {InputError} When it breaks a rule (naming the statement and
   * the rule), or SQLite refuses it (SQLite's message).
   */
  check(statement: SandboxedStatement): void {
    const { sql, label, use } = statement;
    const shape = checkStatement(sql, use, this.#denied);
    if (shape.refused) throw refusal(label, sql, shape.refused);
    let program: ProgramOp[];
    try {
      program = this.#clone.explain(withoutExplain(sql));
    } catch (error) {
      throw sqliteRefusal(label, sql, error);
    }
    const refused = this.#programRefusal(program, shape.ddl);
    if (refused) throw refusal(label, sql, refused);
    if (!shape.ddl) return;
    try {
      this.#clone.run(sql);
    } catch (error) {
      throw sqliteRefusal(label, sql, error);
    }
    this.#changed = { label, sql };
  }

  /**
   * After statements that changed the schema: compiles every table's
   * INSERT, UPDATE and DELETE and every view, so that a trigger, view,
   * generated column, CHECK constraint, index or foreign key the changes
   * made that breaks a rule is refused now. Nothing to do when nothing changed.
   *
   * @throws {InputError} Naming the object, the rule and the statements that made it.
   */
  audit(): void {
    if (this.#changed === undefined) return;
    const { label, sql: changedBy } = this.#changed;
    for (const { type, name, table, sql } of this.#clone.attached()) {
      const own = protectedName(table);
      if (own && !SLUICE_INDEXES.includes(foldName(name))) {
        throw refusal(label, sql, {
          rule: SANDBOX_RULES.ownTables,
          detail: `the ${type} "${name}" is on ${own}`,
        });
      }
    }
    for (const table of this.#clone.tables()) {
      if (protectedName(table.name)) continue;
      for (const parent of this.#clone.foreignKeys(table.name)) {
        const own = protectedName(parent);
        if (own) {
          throw refusal(label, table.sql, {
            rule: SANDBOX_RULES.foreignKeys,
            detail: `table "${table.name}" refers to ${own}, whose writes it could then refuse`,
          });
        }
      }
      let statements: string[];
      try {
        statements = auditStatements(table.name, table.type, this.#clone);
      } catch (error) { // reading a view's columns compiles it
        throw sqliteRefusal(label, changedBy, error, `${table.type} "${table.name}": `);
      }
      for (const sql of statements) {
        let program: ProgramOp[];
        try {
          program = this.#clone.explain(sql);
        } catch (error) {
          if (/cannot modify .* because it is a view/.test(String(error))) continue;
          // Compiling the table's writes compiles its triggers too: the statement named is shown.
          throw sqliteRefusal(label, changedBy, error, `${table.type} "${table.name}": `);
        }
        const refused = this.#programRefusal(program, false);
        if (refused) {
          // Shown: the trigger's statement when a trigger broke the rule, else the table's.
          const trigger = this.#clone.attached().find((o) =>
            o.type === "trigger" && o.name === refused.trigger
          );
          throw refusal(label, trigger?.sql ?? table.sql, {
            ...refused,
            detail: `${table.type} "${table.name}": ${refused.detail}`,
          });
        }
      }
    }
  }

  /** Closes the copy of the schema. */
  close(): void {
    this.#clone.close();
  }

  /** The first rule a compiled program breaks, its triggers' programs included. */
  #programRefusal(
    program: readonly ProgramOp[],
    ddl: boolean,
  ): (Refusal & { trigger?: string }) | undefined {
    let trigger: string | undefined;
    for (const op of program) {
      if (op.opcode === "Init") {
        trigger = op.p4?.startsWith("-- TRIGGER ") ? op.p4.slice(11) : undefined;
      }
      const via = trigger === undefined ? "" : `its trigger ${trigger} `;
      const found = (refused: Refusal) => trigger === undefined ? refused : { ...refused, trigger };
      if (FUNCTION_OPS.test(op.opcode)) {
        const name = (op.p4 ?? "").replace(/\(-?\d+\)$/, "").toLowerCase();
        if (!ALLOWED_FUNCTIONS.has(name)) {
          return found({
            rule: SANDBOX_RULES.functions,
            detail: `${via}calls ${name}()${ALLOWED_ONLY}`,
          });
        }
      } else if (op.opcode === "Vacuum") {
        return { rule: SANDBOX_RULES.maintenance, detail: "VACUUM rewrites the database" };
      } else {
        const written = this.#written(op);
        if (written === undefined) continue;
        const why = protectedName(written);
        // Writing sqlite_schema is what a schema change does; sqlite_sequence, what
        // an INSERT into an AUTOINCREMENT table does (writing it by name is refused).
        const allowed = foldName(written) === "sqlite_sequence" ||
          (ddl && /^sqlite_(temp_)?schema$/.test(foldName(written)));
        if (why && !allowed) {
          return found({ rule: SANDBOX_RULES.ownTables, detail: `${via}writes ${why}` });
        }
      }
    }
    return undefined;
  }

  /** The table an operation writes, if it writes one. */
  #written(op: ProgramOp): string | undefined {
    switch (op.opcode) {
      case "OpenWrite":
        if (op.p5 & OPFLAG_P2ISREG) return undefined;
        return this.#tableAt(op.p3, op.p2);
      case "Clear":
        return this.#tableAt(op.p2, op.p1);
      case "Destroy":
        return this.#tableAt(op.p3, op.p1);
      case "DropTable":
      case "DropIndex":
      case "Insert":
      case "Delete":
        return op.p4 ?? undefined;
      default:
        return undefined;
    }
  }

  #tableAt(db: number, root: number): string {
    // A b-tree the copy does not know (an attached database): refused as SQLite's own.
    return this.#clone.objectAt(db, root)?.table ?? `sqlite_unknown_btree_${root}`;
  }
}

/**
 * A check that stays true while it runs: the statements `--into` and a
 * processor run for each answer, checked against the schema of a version,
 * and the statement that begins each of sluice's writes and fails unless
 * the schema is still at that version.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { SchemaPin } from "./sql_sandbox.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const read = (s: string | { sql: string }) => db.execute(s, "read the schema");
 * const pin = await SchemaPin.create(read, db.url, [
 *   { sql: "SELECT count(*) FROM jobs", label: "--into", use: "per_answer" },
 * ]);
 * await db.batch([pin.statement()], "pinned");
 * await db.execute("CREATE TABLE t (a)", "change the schema");
 * await assert.rejects(db.batch([pin.statement()], "pinned"), /malformed JSON/);
 * await pin.refresh();
 * await db.batch([pin.statement()], "pinned again");
 * db.close();
 * ```
 */
export class SchemaPin {
  readonly #read: ReadSql;
  readonly #url: string;
  readonly #statements: readonly SandboxedStatement[];
  #version: number;

  private constructor(
    read: ReadSql,
    url: string,
    statements: readonly SandboxedStatement[],
    version: number,
  ) {
    this.#read = read;
    this.#url = url;
    this.#statements = statements;
    this.#version = version;
  }

  /**
   * Checks `statements` against the schema now.
   *
   * @throws {InputError} When one breaks a rule or does not compile.
   */
  static async create(
    read: ReadSql,
    url: string,
    statements: readonly SandboxedStatement[],
  ): Promise<SchemaPin> {
    return new SchemaPin(read, url, statements, await checkAll(read, url, statements));
  }

  /** A statement that fails with "malformed JSON" unless the schema is still the one checked. */
  statement(): { sql: string; args: number[] } {
    return {
      sql: `SELECT CASE WHEN schema_version = ? THEN 0
              ELSE json('sluice: the schema changed since its check') END
            FROM pragma_schema_version`,
      args: [this.#version],
    };
  }

  /**
   * Checks the statements again against the schema now, after
   * {@linkcode statement} failed.
   *
   * @throws {InputError} When one breaks a rule under the new schema.
   */
  async refresh(): Promise<void> {
    this.#version = await checkAll(this.#read, this.#url, this.#statements);
  }
}

/**
 * Checks `statements` in order against the schema of the database now (a
 * schema change made on the copy for the ones after it), then audits the
 * schema they leave; resolves with the schema version checked against.
 *
 * @throws {InputError} When one breaks a rule or does not compile.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { checkAll } from "./sql_sandbox.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const read = (s: string | { sql: string }) => db.execute(s, "read the schema");
 * await checkAll(read, db.url, [
 *   { sql: "CREATE TABLE hits (k TEXT)", label: "--schema", use: "write" },
 *   { sql: "INSERT INTO hits VALUES (:key)", label: "--into", use: "per_answer" },
 * ]);
 * await assert.rejects(
 *   checkAll(read, db.url, [{
 *     sql: "CREATE TRIGGER t AFTER INSERT ON jobs BEGIN SELECT 1; END",
 *     label: "--schema",
 *     use: "write",
 *   }]),
 *   /adds a trigger to sluice's own table "jobs"/,
 * );
 * db.close();
 * ```
 */
export async function checkAll(
  read: ReadSql,
  url: string,
  statements: readonly SandboxedStatement[],
): Promise<number> {
  const sandbox = await SqlSandbox.open(read, url);
  try {
    for (const statement of statements) sandbox.check(statement);
    sandbox.audit();
    return sandbox.version;
  } finally {
    sandbox.close();
  }
}

/** The statements that compile everything a table or view sets off: triggers, checks, indexes. */
function auditStatements(name: string, type: string, clone: SchemaClone): string[] {
  const quoted = `"${name.replaceAll('"', '""')}"`;
  const columns = clone.columns(name).filter((c) => !c.generated);
  const update = columns.length === 0
    ? []
    : [`UPDATE ${quoted} SET ${
      columns.map((c) => `"${c.name.replaceAll('"', '""')}" = NULL`).join(", ")
    }`];
  const writes = [`INSERT INTO ${quoted} DEFAULT VALUES`, ...update, `DELETE FROM ${quoted}`];
  return type === "view" ? [`SELECT * FROM ${quoted}`, ...writes] : writes;
}

/** `sql` without a leading EXPLAIN or EXPLAIN QUERY PLAN: the statement it explains. */
function withoutExplain(sql: string): string {
  return sql.replace(/^\s*EXPLAIN(\s+QUERY\s+PLAN)?\s+/i, "");
}

function refusal(label: string, sql: string, refused: Refusal): InputError {
  return new InputError(
    `${label}: refused by the SQL sandbox (${refused.rule}): ${refused.detail}\n` +
      `  in: ${abbreviate(sql)}`,
  );
}

function sqliteRefusal(label: string, sql: string, error: unknown, about = ""): InputError {
  const message = sqliteMessage(error instanceof Error ? error.message : String(error));
  const unsafe = unsafeUse(message);
  if (unsafe) return refusal(label, sql, { ...unsafe, detail: about + unsafe.detail });
  return new InputError(`${label}: ${about}${message}\n  in: ${abbreviate(sql)}`, undefined, {
    cause: error,
  });
}

/**
 * SQLite's own refusal of a function or virtual table that a view, trigger
 * or default of the schema uses ("unsafe use of readfile()": libSQL runs
 * with `trusted_schema` off), said as the sandbox's rule it breaks.
 */
function unsafeUse(message: string): Refusal | undefined {
  const found = /unsafe use of (?:virtual table "([^"]+)"|([\w$]+)\(\))/.exec(message);
  if (!found) return undefined;
  return found[1] !== undefined
    ? { rule: SANDBOX_RULES.modules, detail: `uses the virtual table ${found[1].toLowerCase()}` }
    : {
      rule: SANDBOX_RULES.functions,
      detail: `calls ${found[2]!.toLowerCase()}()${ALLOWED_ONLY}`,
    };
}
