/**
 * Writing items whose answers run the user's statements, each item's rows
 * and state in one transaction, when any item's statements may fail.
 *
 * Every write is one `batch()`: all or nothing, and synchronous from BEGIN to
 * COMMIT on a local file, so no other statement of this process can slip in
 * while it holds the write lock (an interactive transaction would let one
 * in, and that one would wait on the lock with the JavaScript thread
 * blocked). A batch that fails at one item's statement says which
 * (`statementIndex`): the items before it are written with that item marked
 * failed and without its statements, then the rest goes on. Each item's
 * statements run at most twice, and a batch of n items with k failures takes
 * at most 2k + 1 transactions.
 *
 * @module
 */
import { StoreError } from "../errors.ts";
import type { InStatement, ResultSet } from "../deps.ts";
import { answerStatements, type ProcessAnswer, type ProcessPlan } from "./answer_statements.ts";
import type { Executor } from "./connection.ts";

/** One item of a chunked write: its id and the statements that process its answer (maybe none). */
export interface ChunkEntry {
  /** The item's row id. */
  id: number;
  /** The statements that process its answer; none for an item that only changes state. */
  statements: InStatement[];
  /** Each statement's name, for the failure message. */
  labels: string[];
  /**
   * How many statements, at the end, insert rows with one JSON argument
   * (`answer_statements.ts`): those of many entries can be merged.
   *
   * @default {0}
   */
  inserts?: number;
}

/**
 * The entry of one answer to process under `plan`: its statements, or none
 * when it already failed (a processor's error, rows the plan cannot take),
 * the reason then added to `failures`.
 *
 * @example Usage
 * ```ts
 * import { answerEntry } from "./write_in_chunks.ts";
 * import assert from "node:assert/strict";
 * const plan = { job: "j", into: [], tables: new Map() };
 * const failures = new Map<number, string>();
 * const answer = { id: 7, key: "a", vars: "{}", status: 200, url: null, at: 0, body: "" };
 * const entry = answerEntry(plan, { ...answer, rows: { nope: [] } }, failures);
 * assert.deepEqual(entry.statements, []);
 * assert.match(failures.get(7)!, /table "nope", which the processor does not declare/);
 * ```
 */
export function answerEntry(
  plan: ProcessPlan,
  answer: ProcessAnswer,
  failures: Map<number, string>,
): ChunkEntry {
  let error = answer.error;
  if (error === undefined) {
    try {
      return { id: answer.id, ...answerStatements(plan, answer) };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  failures.set(answer.id, error);
  return { id: answer.id, statements: [], labels: [] };
}

/** What a chunked write asks its caller. */
export interface ChunkHooks {
  /**
   * A statement that fails with "malformed JSON" unless every item of `ids`
   * may still be processed (still leased to this run, still done...).
   */
  guard(ids: number[]): InStatement;
  /** Which of `ids` may still be processed; asked after the guard failed. */
  eligible(ids: number[]): Promise<ReadonlySet<number>>;
  /**
   * The statements that close a transaction: the state of the items `ids`
   * (in order), knowing which failed so far and why. `done` receives their
   * results once the transaction has committed.
   */
  tail(ids: number[], failures: ReadonlyMap<number, string>): {
    statements: InStatement[];
    done(results: ResultSet[]): void;
  };
  /** Names the work for error messages. */
  what: string;
  /**
   * Keeps the user's statements to the schema they were checked against:
   * its statement begins every transaction that runs them.
   *
   * @default {undefined}
   */
  pin?: ProcessPlan["pin"];
}

/** Error codes that are the database's trouble, not one item's: the write fails. */
const DATABASE_FAULTS =
  /^(SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CORRUPT|NOMEM|CANTOPEN|INTERRUPT|NOTADB|PERM|AUTH|PROTOCOL)|TRANSACTION_CLOSED|CLIENT_CLOSED)/;

/**
 * Writes `entries` in order; returns why each failed item failed (its
 * statement's SQLite message and name, or the reason given in `failures`).
 * Items the guard excludes are written state only.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { writeInChunks } from "./write_in_chunks.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * await db.execute("CREATE TABLE t (n INTEGER NOT NULL)", "create");
 * const entries = [1, 2, 3].map((id) => ({
 *   id,
 *   statements: [{ sql: "INSERT INTO t VALUES (?)", args: [id === 2 ? null : id] }],
 *   labels: ["--into"],
 * }));
 * const written: number[][] = [];
 * const failures = await writeInChunks(db, entries, new Map(), {
 *   guard: () => "SELECT 1",
 *   eligible: (ids) => Promise.resolve(new Set(ids)),
 *   tail: (ids) => ({ statements: [], done: () => void written.push(ids) }),
 *   what: "process",
 * });
 * assert.match(failures.get(2)!, /NOT NULL constraint failed: t.n \(--into\)/);
 * assert.deepEqual(written, [[1, 2], [3]]);
 * db.close();
 * ```
 */
export async function writeInChunks(
  db: Executor,
  entries: readonly ChunkEntry[],
  failures: ReadonlyMap<number, string>,
  hooks: ChunkHooks,
): Promise<Map<number, string>> {
  const failed = new Map(failures);
  const excluded = new Set<number>();
  // Rows of every entry merged into one INSERT per table, until one fails:
  // then each entry's own, to find which.
  let merged = entries.some((e) => (e.inserts ?? 0) > 0);
  let queue = [...entries];
  while (queue.length > 0) {
    let chunk = queue;
    let later: ChunkEntry[] = [];
    for (;;) {
      const processing = chunk.filter((e) =>
        e.statements.length > 0 && !failed.has(e.id) && !excluded.has(e.id)
      );
      const statements: InStatement[] = [];
      const owners: (Owner | "pin" | "guard" | "merged")[] = [];
      if (processing.length > 0 && hooks.pin) {
        statements.push(hooks.pin.statement());
        owners.push("pin");
      }
      if (processing.length > 0) {
        statements.push(hooks.guard(processing.map((e) => e.id)));
        owners.push("guard");
      }
      const rows = new Map<string, string[]>();
      for (const entry of processing) {
        const own = merged ? entry.statements.length - (entry.inserts ?? 0) : Infinity;
        entry.statements.forEach((statement, i) => {
          if (i < own) {
            statements.push(statement);
            owners.push({ entry, label: entry.labels[i]! });
          } else {
            const { sql, args } = statement as { sql: string; args: string[] };
            rows.set(sql, [...rows.get(sql) ?? [], args[0]!.slice(1, -1)]);
          }
        });
      }
      for (const [sql, parts] of rows) {
        statements.push({ sql, args: [`[${parts.join(",")}]`] });
        owners.push("merged");
      }
      const tailFrom = statements.length;
      const tail = hooks.tail(chunk.map((e) => e.id), failed);
      statements.push(...tail.statements);
      let results: ResultSet[];
      try {
        results = await db.batch(statements, hooks.what);
      } catch (error) {
        const at = statementFailure(error);
        if (!at || at.index >= tailFrom) throw error;
        const owner = owners[at.index]!;
        if (owner === "pin") {
          // The schema changed since the check: checked again (a refusal ends the write).
          await hooks.pin!.refresh();
          continue;
        }
        if (owner === "merged") {
          merged = false;
          continue;
        }
        if (owner === "guard") {
          if (!at.message.includes("malformed JSON")) throw error;
          const ids = processing.map((e) => e.id);
          const eligible = await hooks.eligible(ids);
          for (const id of ids) if (!eligible.has(id)) excluded.add(id);
          continue;
        }
        failed.set(owner.entry.id, `${at.message} (${owner.label})`);
        // The statements before it ran cleanly: they go with it, now marked failed.
        const p = chunk.indexOf(owner.entry);
        later = [...chunk.slice(p + 1), ...later];
        chunk = chunk.slice(0, p + 1);
        continue;
      }
      tail.done(results.slice(tailFrom));
      break;
    }
    queue = later;
  }
  return failed;
}

/** The entry and statement a statement of a batch belongs to. */
interface Owner {
  entry: ChunkEntry;
  label: string;
}

/** Where a batch failed and SQLite's message, when one statement's error is the reason. */
function statementFailure(error: unknown): { index: number; message: string } | undefined {
  const cause = error instanceof StoreError ? error.cause : error;
  if (typeof cause !== "object" || cause === null) return undefined;
  const { statementIndex, code, message } = cause as {
    statementIndex?: unknown;
    code?: unknown;
    message?: unknown;
  };
  if (typeof statementIndex !== "number" || DATABASE_FAULTS.test(String(code))) return undefined;
  return { index: statementIndex, message: sqliteMessage(String(message)) };
}

/**
 * SQLite's message without the code prefixes libSQL adds (sometimes twice).
 *
 * @example Usage
 * ```ts
 * import { sqliteMessage } from "./write_in_chunks.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   sqliteMessage("SQLITE_CONSTRAINT: SQLITE_CONSTRAINT_NOTNULL: NOT NULL constraint failed: t.n"),
 *   "NOT NULL constraint failed: t.n",
 * );
 * ```
 */
export function sqliteMessage(message: string): string {
  return message.replace(/^(?:SQLITE_[A-Z_]+: )+/, "");
}
