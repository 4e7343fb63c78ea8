/**
 * Writing outcomes whose answers are processed into the user's tables
 * (`--into`, a processor): see {@linkcode writeProcessed}.
 *
 * @module
 */
import type { ProcessAnswer, ProcessPlan } from "./answer_statements.ts";
import type { Executor } from "./connection.ts";
import type { ItemUpdate } from "./item_update.ts";
import {
  ownedIds,
  ownedStatement,
  pageStatements,
  responseStatements,
  stateStatements,
} from "./result_statements.ts";
import { answerEntry, type ChunkEntry, writeInChunks } from "./write_in_chunks.ts";

/** What {@linkcode writeProcessed} did: as `WrittenResults`, `processFailed` always there. */
export interface ProcessedResults {
  /** Item updates applied (the others' items were no longer leased to the owner). */
  applied: number;
  /** With `confirm`: the ids of the done and failed updates that were applied. */
  finished: ReadonlySet<number> | undefined;
  /** The applied updates whose processing failed, and each one's `last_error`. */
  processFailed: ReadonlyMap<number, string>;
}

/**
 * `ResultRepository.write()` with processing: the user's statements for
 * every done answer still leased to `owner`, then the response rows and
 * states, in as few transactions as failures allow (see write_in_chunks.ts).
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", "{}"], [1, "b", "{}"]], 0);
 * const claimed = await store.queue.claim(job.id, "me", 2, 0, 60_000);
 * await store.tables.applySchema([
 *   { sql: "CREATE TABLE seen (key TEXT NOT NULL)", label: "--schema", params: [] },
 * ]);
 * const plan = {
 *   job: "j",
 *   into: [{ sql: "INSERT INTO seen VALUES (:key)", label: "--into", params: [":key"] }],
 *   tables: new Map(),
 * };
 * const written = await store.results.write("me", job.id, claimed.map((item, i) => ({
 *   id: item.id, status: "done", attempts: 1, throttled: 0, nextAt: 0, lastStatus: 200,
 *   lastError: null, errorClass: null, possiblySent: 0, sent: 1,
 *   response: { seq: item.seq, status: 200, durationMs: 1, headers: null, body: "{}", url: null, error: null, at: 1 },
 *   processing: { key: i === 0 ? item.key : null as unknown as string, vars: "{}" },
 * })), 1, { process: plan });
 * assert.equal(written.applied, 2);
 * assert.match(written.processFailed!.get(claimed[1]!.id)!, /^process: NOT NULL constraint failed/);
 * assert.deepEqual((await store.queue.counts(job.id)).done, 1);
 * store.close();
 * ```
 */
export async function writeProcessed(
  db: Executor,
  owner: string,
  jobId: number,
  updates: readonly ItemUpdate[],
  now: number,
  confirm: boolean,
  plan: ProcessPlan,
): Promise<ProcessedResults> {
  const byId = new Map(updates.map((u) => [u.id, u]));
  const failures = new Map<number, string>();
  const entries: ChunkEntry[] = updates.map((u) => {
    const answer = processAnswer(u);
    return answer ? answerEntry(plan, answer, failures) : { id: u.id, statements: [], labels: [] };
  });
  let applied = 0;
  const finished = new Set<number>();
  const failed = await writeInChunks(db, entries, failures, {
    what: "write results",
    ...(plan.pin ? { pin: plan.pin } : {}),
    guard: (ids) => ({
      sql: `SELECT CASE WHEN count(*) = ? THEN 0
              ELSE json('not leased: ' || (? - count(*)) || ' items') END
            FROM items WHERE id IN (SELECT value FROM json_each(?))
              AND status = 'inflight' AND lease_owner = ?`,
      args: [ids.length, ids.length, JSON.stringify(ids), owner],
    }),
    eligible: async (ids) => ownedIds(await db.execute(ownedStatement(owner, ids), "read leases")),
    tail: (ids, failed) => {
      const chunk = ids.map((id) => {
        const u = byId.get(id)!;
        const error = failed.get(id);
        return error === undefined ? u : processFailed(u, error);
      });
      const finals = chunk.filter((u) => u.status !== "pending").map((u) => u.id);
      const statements = finals.length > 0 ? [ownedStatement(owner, finals)] : [];
      statements.push(...responseStatements(owner, jobId, chunk));
      statements.push(...pageStatements(owner, chunk, now));
      const updatesFrom = statements.length;
      statements.push(...stateStatements(owner, chunk, now));
      return {
        statements,
        done: (rs) => {
          for (let i = updatesFrom; i < rs.length; i++) applied += rs[i]!.rowsAffected;
          if (finals.length > 0) { for (const id of ownedIds(rs[0]!)) finished.add(id); }
        },
      };
    },
  });
  const failedProcessing = new Map<number, string>();
  for (const [id, error] of failed) {
    if (finished.has(id)) failedProcessing.set(id, processError(error));
  }
  return { applied, finished: confirm ? finished : undefined, processFailed: failedProcessing };
}
/** The answer a done update brings to process, if it brings one. */
function processAnswer(u: ItemUpdate): ProcessAnswer | undefined {
  const r = u.response;
  if (u.status !== "done" || !u.processing || !r) return undefined;
  return {
    id: u.id,
    key: u.processing.key,
    ...(u.processing.page === undefined ? {} : { page: u.processing.page }),
    vars: u.processing.vars,
    status: r.status,
    url: r.url,
    at: r.at,
    body: r.body,
    ...(u.processing.rows ? { rows: u.processing.rows } : {}),
    ...(u.processing.error !== undefined ? { error: u.processing.error } : {}),
  };
}

/** An item's `last_error` when processing its answer failed. */
function processError(error: string): string {
  return `process: ${error}`;
}

/** A done update turned failed because processing its answer failed. */
function processFailed(u: ItemUpdate, error: string): ItemUpdate {
  const lastError = processError(error);
  return {
    ...u,
    status: "failed",
    lastError,
    errorClass: "process",
    ...(u.response ? { response: { ...u.response, error: lastError } } : {}),
  };
}
