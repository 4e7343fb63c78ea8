/**
 * Writing attempts' outcomes: the response rows and the items' new states of
 * a batch in one transaction, with few, large statements (JSON arrays
 * expanded by `json_each`) instead of one statement per item.
 *
 * @module
 */
import type { InStatement } from "../deps.ts";
import type { ProcessPlan } from "./answer_statements.ts";
import type { Executor } from "./connection.ts";
import type { ItemUpdate } from "./item_update.ts";
import {
  ownedIds,
  ownedStatement,
  pageStatements,
  responseStatements,
  stateStatements,
} from "./result_statements.ts";
import { writeProcessed } from "./write_processed.ts";

export type { AnswerProcessing, ItemUpdate, NextPageRow, ResponseRow } from "./item_update.ts";

/** Options for {@linkcode ResultRepository.write}. */
export interface WriteResultsOptions {
  /** Also tell which done and failed updates were applied. @default false */
  confirm?: boolean;
  /**
   * Process each done answer that carries {@linkcode ItemUpdate.processing}
   * into the user's tables, in the transaction that stores it; an answer
   * whose processing fails is written failed (class `process`) instead.
   *
   * @default {undefined}
   */
  process?: ProcessPlan;
}

/** What {@linkcode ResultRepository.write} did. */
export interface WrittenResults {
  /** Item updates applied (the others' items were no longer leased to the owner). */
  applied: number;
  /** With `confirm`: the ids of the done and failed updates that were applied. */
  finished: ReadonlySet<number> | undefined;
  /**
   * With `process`: the applied updates whose processing failed, and each
   * one's `last_error`; they were written failed, class `process`.
   */
  processFailed?: ReadonlyMap<number, string>;
}

/** The one write the result writer needs. */
export interface ResultStore {
  /** Writes a batch of outcomes in one transaction; see {@linkcode ResultRepository.write}. */
  write(
    owner: string,
    jobId: number,
    updates: readonly ItemUpdate[],
    now: number,
    options?: WriteResultsOptions,
  ): Promise<WrittenResults>;
}

/**
 * Writes outcomes of attempts.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", "{}"]], 0);
 * const [item] = await store.queue.claim(job.id, "me", 1, 0, 60_000);
 * const written = await store.results.write("me", job.id, [{
 *   id: item!.id, status: "done", attempts: 1, throttled: 0, nextAt: 0, lastStatus: 200,
 *   lastError: null, errorClass: null, possiblySent: 0, sent: 1,
 * }], 1);
 * assert.equal(written.applied, 1);
 * assert.equal((await store.queue.counts(job.id)).done, 1);
 * store.close();
 * ```
 */
export class ResultRepository implements ResultStore {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /**
   * Writes a batch of outcomes in one transaction: the response rows and the
   * items' new states. Items no longer leased to `owner` are left untouched.
   */
  async write(
    owner: string,
    jobId: number,
    updates: readonly ItemUpdate[],
    now: number,
    options: WriteResultsOptions = {},
  ): Promise<WrittenResults> {
    const { confirm = false, process } = options;
    if (process) {
      return await writeProcessed(this.#db, owner, jobId, updates, now, confirm, process);
    }
    const statements: InStatement[] = [];
    const finals = confirm ? updates.filter((u) => u.status !== "pending").map((u) => u.id) : [];
    // Read first, in the same transaction: which of them are still ours to write.
    if (finals.length > 0) statements.push(ownedStatement(owner, finals));
    statements.push(...responseStatements(owner, jobId, updates));
    statements.push(...pageStatements(owner, updates, now));
    const updatesFrom = statements.length;
    statements.push(...stateStatements(owner, updates, now));
    const rs = await this.#db.batch(statements, "write results");
    let applied = 0;
    for (let i = updatesFrom; i < rs.length; i++) applied += rs[i]!.rowsAffected;
    const finished = finals.length > 0 ? ownedIds(rs[0]!) : confirm ? new Set<number>() : undefined;
    return { applied, finished };
  }
}
