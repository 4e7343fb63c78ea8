/**
 * Processing stored answers again (`sluice process`): see {@linkcode reprocessAnswers}.
 *
 * @module
 */
import type { InStatement } from "../deps.ts";
import type { ProcessAnswer, ProcessPlan } from "./answer_statements.ts";
import type { Executor } from "./connection.ts";
import { answerEntry, writeInChunks } from "./write_in_chunks.ts";

/** What {@linkcode reprocessAnswers} did. */
export interface Reprocessed {
  /** Answers processed into the tables (their items are done). */
  done: number;
  /** Answers whose processing failed, and each item's `last_error`. */
  failed: Map<number, string>;
}

/**
 * Processes stored answers again under `plan`: each item's rows and its
 * new state in one transaction. An item whose answer now processes is
 * done (a `process` failure cleared); one whose processing fails is failed
 * with class `process`. Items that changed meanwhile (re-queued by
 * `retry`) are left alone.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { reprocessAnswers } from "./reprocess_answers.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const plan = { job: "j", into: [], tables: new Map() };
 * assert.deepEqual(await reprocessAnswers(db, [], plan, 0), { done: 0, failed: new Map() });
 * db.close();
 * ```
 */
export async function reprocessAnswers(
  db: Executor,
  answers: readonly ProcessAnswer[],
  plan: ProcessPlan,
  now: number,
): Promise<Reprocessed> {
  const failures = new Map<number, string>();
  const entries = answers.map((a) => answerEntry(plan, a, failures));
  const eligible = `id IN (SELECT value FROM json_each(?))
    AND (status = 'done' OR (status = 'failed' AND error_class = 'process'))`;
  let done = 0;
  const failed = await writeInChunks(db, entries, failures, {
    what: "process stored answers",
    ...(plan.pin ? { pin: plan.pin } : {}),
    guard: (ids) => ({
      sql: `SELECT CASE WHEN count(*) = ? THEN 0
              ELSE json('changed: ' || (? - count(*)) || ' items') END
            FROM items WHERE ${eligible}`,
      args: [ids.length, ids.length, JSON.stringify(ids)],
    }),
    eligible: async (ids) => {
      const rs = await db.execute({
        sql: `SELECT json_group_array(id) FROM items WHERE ${eligible}`,
        args: [JSON.stringify(ids)],
      }, "read items");
      return new Set(JSON.parse(String(rs.rows[0]?.[0] ?? "[]")) as number[]);
    },
    tail: (ids, failed) => {
      const ok = ids.filter((id) => !failed.has(id));
      const bad = ids.filter((id) => failed.has(id)).map((
        id,
      ) => [id, `process: ${failed.get(id)}`]);
      return {
        statements: reprocessedStates(JSON.stringify(ok), JSON.stringify(bad), eligible, now),
        done: () => void (done += ok.length),
      };
    },
  });
  return { done, failed: new Map([...failed].map(([id, e]) => [id, `process: ${e}`])) };
}

/**
 * The states of reprocessed items: those that processed are done (and their
 * final response no longer carries a `process` error); those that failed
 * are failed with class `process`, the reason on the item and its response.
 */
function reprocessedStates(ok: string, bad: string, eligible: string, now: number): InStatement[] {
  const finalResponse =
    `attempt = (SELECT max(attempt) FROM responses r WHERE r.item = responses.item)`;
  return [
    {
      sql: `UPDATE responses SET error = NULL, error_class = NULL
            WHERE item IN (SELECT value FROM json_each(?)) AND error_class = 'process'
              AND ${finalResponse}`,
      args: [ok],
    },
    {
      sql: `UPDATE items SET status = 'done', last_error = NULL, error_class = NULL, updated = ?
            WHERE ${eligible} AND status = 'failed'`,
      args: [now, ok],
    },
    {
      sql: `UPDATE responses SET error = b.value ->> 1, error_class = 'process'
            FROM json_each(?) AS b WHERE responses.item = b.value ->> 0 AND ${finalResponse}`,
      args: [bad],
    },
    {
      sql: `UPDATE items SET status = 'failed', last_error = b.value ->> 1,
              error_class = 'process', updated = ?
            FROM json_each(?) AS b WHERE items.id = b.value ->> 0
              AND (items.status = 'done' OR (items.status = 'failed' AND items.error_class = 'process'))`,
      args: [now, bad],
    },
  ];
}
