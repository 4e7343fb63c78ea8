/**
 * `sluice process --rebuild`: the user's tables of a job made again from
 * its current `--schema` or processor, when they no longer fit it (a new
 * column...). The tables the schema creates are dropped and created again
 * in one transaction; every row is then derived again from the stored
 * answers, page by page. The job's `status` says {@linkcode rebuildingStatus}
 * from before the drop until every row is back, so that a stop or crash
 * midway is not missed: `status` says so, and `run` and `process` refuse
 * until a second `--rebuild` makes the tables whole.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { quoteName, type UserStatement } from "../store/answer_statements.ts";
import { protectedName } from "../store/sluice_tables.ts";
import { tableCreatedBy } from "../store/sql_rules.ts";

/**
 * The statements that drop every table `schema` creates (never one of
 * sluice's), to run before it.
 *
 * @example Usage
 * ```ts
 * import { dropsBefore } from "./rebuild_tables.ts";
 * import assert from "node:assert/strict";
 * const schema = [
 *   { sql: "CREATE TABLE IF NOT EXISTS hits (k)", label: "--schema statement 1", params: [] },
 *   { sql: "CREATE INDEX IF NOT EXISTS hits_k ON hits (k)", label: "--schema statement 2", params: [] },
 * ];
 * assert.deepEqual(dropsBefore(schema).map((s) => s.sql), ['DROP TABLE IF EXISTS "hits"']);
 * ```
 */
export function dropsBefore(schema: readonly UserStatement[]): UserStatement[] {
  const drops: UserStatement[] = [];
  for (const statement of schema) {
    const table = tableCreatedBy(statement.sql);
    if (table === undefined || protectedName(table)) continue;
    drops.push({
      sql: `DROP TABLE IF EXISTS ${quoteName(table)}`,
      label: `--rebuild (for ${statement.label})`,
      params: [],
    });
  }
  return drops;
}

/** How a job's `status` starts while a rebuild is unfinished; the rebuilt job's name follows. */
const REBUILDING = "rebuilding:";

/**
 * The `status` of every job whose rows are in the tables job `job`'s
 * `sluice process --rebuild` drops (its own, and other jobs' sharing them),
 * from before the drop until every row is derived again: while it is, the
 * tables may lack rows (the rebuild was stopped, killed, or still runs).
 *
 * @example Usage
 * ```ts
 * import { rebuildingStatus, unfinishedRebuild } from "./rebuild_tables.ts";
 * import assert from "node:assert/strict";
 * const job = { name: "j", status: rebuildingStatus("j") };
 * assert.match(unfinishedRebuild(job, "file:s.db")!, /sluice process --db file:s.db --job j --rebuild/);
 * ```
 */
export function rebuildingStatus(job: string): string {
  return REBUILDING + job;
}

/** The job whose rebuild did not finish, from a job's `status`; undefined when none. */
export function rebuildingJob(status: string): string | undefined {
  return status.startsWith(REBUILDING) ? status.slice(REBUILDING.length) : undefined;
}

/**
 * What to tell a user of `job` (in database `db`) when a rebuild of its
 * tables did not finish, naming the command that finishes it; undefined when
 * none is unfinished.
 *
 * @example Usage
 * ```ts
 * import { rebuildingStatus, unfinishedRebuild } from "./rebuild_tables.ts";
 * import assert from "node:assert/strict";
 * const tuesday = { name: "tuesday", status: rebuildingStatus("monday") };
 * assert.match(unfinishedRebuild(tuesday, "file:s.db")!, /--job monday --rebuild/);
 * assert.equal(unfinishedRebuild({ name: "j", status: "created" }, "file:s.db"), undefined);
 * ```
 */
export function unfinishedRebuild(
  job: { name: string; status: string },
  db: string,
): string | undefined {
  const rebuilt = rebuildingJob(job.status);
  if (rebuilt === undefined) return undefined;
  const tables = rebuilt === job.name
    ? `job "${rebuilt}"'s tables`
    : `job "${rebuilt}"'s tables, which hold job "${job.name}"'s rows too,`;
  return `The rebuild of ${tables} did not finish (it was stopped, killed, or still runs): ` +
    `they may lack rows. \`sluice process --db ${db} --job ${rebuilt} --rebuild\` makes them ` +
    `whole (nothing is sent)`;
}

/** SQLite's words for a statement that does not fit the table it writes. */
const MISFIT = /has no column named|no such column|columns but \d+ values were supplied/;

/**
 * `error` with the way out added when it says a table no longer fits the
 * statement that writes it: `sluice process --rebuild`.
 *
 * @example Usage
 * ```ts
 * import { withRebuildHint } from "./rebuild_tables.ts";
 * import { InputError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * const error = withRebuildHint(new InputError("--into: table hits has no column named url"));
 * assert.match((error as Error).message, /sluice process --rebuild/);
 * ```
 */
export function withRebuildHint(error: unknown): unknown {
  if (!(error instanceof InputError) || !MISFIT.test(error.message)) return error;
  return new InputError(
    `${error.message}\n  The table no longer fits the statement: it was made by an earlier ` +
      `--schema or processor. \`sluice process --rebuild\` drops the job's tables, makes them ` +
      `again from the current --schema or processor and derives every row again from the ` +
      `stored answers (nothing is sent).`,
    undefined,
    { cause: error },
  );
}
