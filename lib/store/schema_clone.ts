/**
 * A copy of a database's schema in memory, with no rows, where the SQL
 * sandbox compiles statements to read their programs (`EXPLAIN`): the
 * program a statement compiles to depends on the schema alone (its
 * triggers, views, generated columns, CHECK constraints, indexes and
 * foreign keys), never on the rows.
 *
 * Why a copy, and why libSQL's native driver (`npm:libsql`, the one under
 * `@libsql/client`) rather than the client: an `EXPLAIN` of a statement
 * that writes stays "in progress" on its connection after its last row
 * (SQLite halts it only on reset, and the client never resets), and a
 * connection with one cannot COMMIT ("SQL statements in progress") nor drop
 * a table ("database table is locked"). Here each statement is reset after
 * its rows, and nothing of sluice's connections is touched. The same works
 * for a database on a libSQL server, whose schema is read like any rows.
 *
 * @module
 */
import { LibsqlDatabase } from "../deps.ts";

/** One object of a database's schema, as `sqlite_schema` lists it. */
export interface SchemaObject {
  /** True for an object of the `temp` schema. */
  temp: boolean;
  /** `table`, `index`, `view` or `trigger`. */
  type: string;
  /** Its name. */
  name: string;
  /** The table it belongs to (itself for a table or view). */
  table: string;
  /** The statement that creates it (none for an automatic index). */
  sql: string | null;
}

/** One operation of a compiled program, as `EXPLAIN` lists it. */
export interface ProgramOp {
  /** The operation, e.g. `OpenWrite`, `Function`. */
  opcode: string;
  /** Its operands. */
  p1: number;
  p2: number;
  p3: number;
  p4: string | null;
  p5: number;
}

/** What a root page of the copy holds. */
export interface RootObject {
  /** `table` or `index`. */
  type: string;
  /** The object's name. */
  name: string;
  /** The table it belongs to. */
  table: string;
}

/** A table or view of the copy, for the sandbox's audit of the schema. */
export interface CopiedTable {
  /** Its name. */
  name: string;
  /** `table` or `view`. */
  type: string;
  /** True in the `temp` schema. */
  temp: boolean;
  /** The statement that created it. */
  sql: string;
}

/**
 * The schema of a database, copied into a private in-memory database.
 *
 * @example Usage
 * ```ts
 * import { SchemaClone } from "./schema_clone.ts";
 * import assert from "node:assert/strict";
 * const clone = SchemaClone.of([
 *   { temp: false, type: "table", name: "t", table: "t", sql: "CREATE TABLE t (a)" },
 * ]);
 * const ops = clone.explain("INSERT INTO t VALUES (upper('x'))");
 * assert.ok(ops.some((op) => op.opcode === "Function" && op.p4 === "upper(1)"));
 * clone.close();
 * ```
 */
export class SchemaClone {
  readonly #db: InstanceType<typeof LibsqlDatabase>;

  private constructor(db: InstanceType<typeof LibsqlDatabase>) {
    this.#db = db;
  }

  /**
   * A copy of `objects`: virtual tables first (they create their own
   * tables), then tables, indexes, views and triggers, main then temp.
   *
   * @throws {Error} When an object cannot be made again (its name and SQLite's message).
   */
  static of(objects: readonly SchemaObject[]): SchemaClone {
    const clone = new SchemaClone(new LibsqlDatabase(":memory:"));
    try {
      // The connection settings that add code to programs, on: the copy compiles every
      // foreign key action and recursive trigger the database could run.
      clone.run("PRAGMA foreign_keys = ON");
      clone.run("PRAGMA recursive_triggers = ON");
      for (const temp of [false, true]) {
        const own = objects.filter((o) => o.temp === temp && o.sql !== null);
        const virtual = own.filter((o) => /^\s*CREATE\s+VIRTUAL\b/i.test(o.sql!));
        for (const type of ["virtual", "table", "index", "view", "trigger"]) {
          const some = type === "virtual"
            ? virtual
            : own.filter((o) => o.type === type && !virtual.includes(o));
          for (const object of some) clone.#copy(object);
        }
      }
      if (objects.some((o) => /^sqlite_stat/i.test(o.name))) clone.run("ANALYZE sqlite_schema");
      return clone;
    } catch (error) {
      clone.close();
      throw error;
    }
  }

  #copy(object: SchemaObject): void {
    if (/^sqlite_/i.test(object.name)) return; // SQLite makes its own
    // A virtual table's own tables are there already.
    if (object.type === "table" && this.#exists(object.name, object.temp)) return;
    const sql = object.temp && object.type !== "index"
      ? object.sql!.replace(/^\s*CREATE\s+/i, "CREATE TEMP ")
      : object.sql!;
    try {
      this.run(sql);
    } catch (error) {
      throw new Error(
        `${object.type} "${object.name}" cannot be made again: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  #exists(name: string, temp: boolean): boolean {
    const table = temp ? "sqlite_temp_schema" : "sqlite_schema";
    return this.#rows(`SELECT 1 FROM ${table} WHERE name = ? COLLATE NOCASE`, name).length > 0;
  }

  /**
   * The program `sql` (one statement) compiles to, its triggers' programs after it.
   *
   * @throws {Error} SQLite's error when it does not compile.
   */
  explain(sql: string): ProgramOp[] {
    return this.#rows(`EXPLAIN ${sql}`).map((r) => ({
      opcode: String(r[1]),
      p1: Number(r[2]),
      p2: Number(r[3]),
      p3: Number(r[4]),
      p4: r[5] === null ? null : String(r[5]),
      p5: Number(r[6]),
    }));
  }

  /** Runs `sql` (one statement) on the copy: a schema change the copy follows. */
  run(sql: string): void {
    this.#db.prepare(sql).run();
  }

  /** The table or index at root page `root` of schema `db` (0 main, 1 temp). */
  objectAt(db: number, root: number): RootObject | undefined {
    if (root === 1) {
      const name = db === 1 ? "sqlite_temp_schema" : "sqlite_schema";
      return { type: "table", name, table: name };
    }
    const [row] = this.#rows(
      `SELECT type, name, tbl_name FROM ${
        db === 1 ? "sqlite_temp_schema" : "sqlite_schema"
      } WHERE rootpage = ?`,
      root,
    );
    return row ? { type: String(row[0]), name: String(row[1]), table: String(row[2]) } : undefined;
  }

  /** The virtual table modules the database offers, lower case. */
  modules(): string[] {
    return this.#rows("SELECT name FROM pragma_module_list").map((r) => String(r[0]).toLowerCase());
  }

  /** The ordinary tables and views (not virtual), main and temp. */
  tables(): CopiedTable[] {
    return [false, true].flatMap((temp) =>
      this.#rows(
        `SELECT name, type, sql FROM ${temp ? "sqlite_temp_schema" : "sqlite_schema"}
         WHERE type IN ('table', 'view') AND sql NOT LIKE 'CREATE VIRTUAL%'
         ORDER BY rowid`,
      ).map((r) => ({ name: String(r[0]), type: String(r[1]), temp, sql: String(r[2]) }))
    );
  }

  /** The triggers and indexes of the copy, with their tables and statements. */
  attached(): { type: string; name: string; table: string; sql: string }[] {
    return [false, true].flatMap((temp) =>
      this.#rows(
        `SELECT type, name, tbl_name, sql FROM ${temp ? "sqlite_temp_schema" : "sqlite_schema"}
         WHERE type IN ('trigger', 'index') AND sql IS NOT NULL`,
      ).map((r) => ({
        type: String(r[0]),
        name: String(r[1]),
        table: String(r[2]),
        sql: String(r[3]),
      }))
    );
  }

  /** The columns of a table (generated ones marked), in order. */
  columns(table: string): { name: string; generated: boolean }[] {
    return this.#rows("SELECT name, hidden FROM pragma_table_xinfo(?)", table)
      .map((r) => ({ name: String(r[0]), generated: Number(r[1]) >= 2 }));
  }

  /** The tables a table's foreign keys refer to. */
  foreignKeys(table: string): string[] {
    return this.#rows('SELECT "table" FROM pragma_foreign_key_list(?)', table)
      .map((r) => String(r[0]));
  }

  /** Closes the copy. */
  close(): void {
    this.#db.close();
  }

  /** The rows of a statement; the statement reset after them, so nothing stays in progress. */
  #rows(sql: string, ...args: unknown[]): unknown[][] {
    const statement = this.#db.prepare(sql);
    statement.raw(true);
    const rows = statement.all(...args) as unknown[][];
    // Steps it once more and resets it: an EXPLAIN is not reset by its last row.
    if (rows.length > 0) statement.get(...args);
    return rows;
  }
}
