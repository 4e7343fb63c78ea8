/**
 * Group commit of item outcomes: each caller hands over one outcome and waits
 * until it is committed; outcomes that arrive while a write is under way go
 * together in the next one, so a busy run writes few, large transactions.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { Processing, QueryOf } from "../process/processing.ts";
import type { ItemUpdate, ResultStore, WrittenResults } from "../store/results.ts";

/** Options for {@linkcode ResultWriter}. */
export interface ResultWriterOptions {
  /** Write at once when this many outcomes are buffered. @default 1000 */
  batchSize?: number;
  /** Tell which done and failed outcomes were applied (`WrittenResults.finished`). @default false */
  confirm?: boolean;
  /** Called after each successful write with the outcomes written and how many applied. */
  onFlush?: (updates: readonly ItemUpdate[], applied: number) => void;
  /** Called once if a write fails; the writer then refuses new work. */
  onError?: (error: unknown) => void;
  /**
   * Processes each done answer into the user's tables in the transaction
   * that stores it (`--schema` applied already).
   *
   * @default {undefined}
   */
  processing?: Processing;
  /** Called for each applied update that was written failed because processing its answer failed. */
  onProcessFailed?: (update: ItemUpdate) => void;
  /**
   * Abandons a processor still running over an answer (the run's hard stop,
   * when the grace period is over): its item is written failed, class
   * `process`, and the stop does not wait for it.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /** The time each write is stamped with (epoch ms). @default {Date.now} */
  now?: () => number;
}

const NOTHING_WRITTEN: WrittenResults = { applied: 0, finished: undefined };

/**
 * Collects {@linkcode ItemUpdate}s and writes each batch in one transaction.
 * Only complete updates are handed over: await the response body *before*
 * calling {@linkcode ResultWriter.commit}, so a write can never lose a row.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { ResultWriter } from "./result_writer.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const writer = new ResultWriter(store.results, "me", 1, { batchSize: 10 });
 * await writer.close();
 * assert.equal(writer.written, 0);
 * store.close();
 * ```
 */
export class ResultWriter {
  readonly #now: () => number;
  readonly #store: ResultStore;
  readonly #owner: string;
  readonly #jobId: number;
  readonly #batchSize: number;
  readonly #confirm: boolean;
  readonly #onFlush: ResultWriterOptions["onFlush"];
  readonly #onError: ResultWriterOptions["onError"];
  readonly #processing: Processing | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onProcessFailed: ResultWriterOptions["onProcessFailed"];
  #buffer: ItemUpdate[] = [];
  #flushing: Promise<WrittenResults> = Promise.resolve(NOTHING_WRITTEN);
  // Settled by the write that takes the buffer, whoever starts it: a commit's
  // own scheduled flush, a full buffer, or a flush() from outside (the scheduler's).
  #bufferWritten: PromiseWithResolvers<WrittenResults> | undefined;
  #error: unknown;
  #written = 0;

  /** Writes `owner`'s outcomes of job `jobId` through `store`. */
  constructor(store: ResultStore, owner: string, jobId: number, options: ResultWriterOptions = {}) {
    const {
      batchSize = DEFAULTS.batchSize,
      confirm = false,
      onFlush,
      onError,
      processing,
      onProcessFailed,
      signal,
      now = Date.now,
    } = options;
    this.#now = now;
    this.#signal = signal;
    this.#store = store;
    this.#owner = owner;
    this.#jobId = jobId;
    this.#batchSize = batchSize;
    this.#confirm = confirm;
    this.#onFlush = onFlush;
    this.#onError = onError;
    this.#processing = processing;
    this.#onProcessFailed = onProcessFailed;
  }

  /** Outcomes waiting for a write. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Rows applied so far. */
  get written(): number {
    return this.#written;
  }

  /** The error that stopped the writer, if any. */
  get error(): unknown {
    return this.#error;
  }

  /**
   * Buffers one outcome and resolves once it is committed (group commit): a
   * write starts at once, or as soon as the write under way ends, and takes
   * every outcome buffered by then. A caller that awaits this before taking
   * new work holds at most one write's delay, and never has an answer that is
   * only in memory when the process dies. Resolves with what the write of its
   * batch did; rejects if the write fails.
   *
   * With `processing`, give the item's `query` too: a done answer is first
   * turned into the processor's rows, then its rows (or `--into`) are written
   * with it. When processing it fails, it is written failed (class
   * `process`) and `update` is changed to say so.
   *
   * @example Usage
   * ```ts
   * import { openStore } from "../store/store.ts";
   * import { ResultWriter } from "./result_writer.ts";
   * import assert from "node:assert/strict";
   * const store = await openStore(":memory:");
   * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
   * await store.queue.importItems(job.id, [[0, "a", "{}"]], 0);
   * const [item] = await store.queue.claim(job.id, "me", 1, 0, 60_000);
   * const writer = new ResultWriter(store.results, "me", job.id, { confirm: true });
   * const written = await writer.commit({
   *   id: item!.id, status: "done", attempts: 1, throttled: 0, nextAt: 0,
   *   lastStatus: 200, lastError: null, errorClass: null, possiblySent: 0, sent: 1,
   * });
   * assert.ok(written.finished?.has(item!.id));
   * assert.equal((await store.queue.counts(job.id)).done, 1);
   * store.close();
   * ```
   */
  commit(update: ItemUpdate, query?: QueryOf): Promise<WrittenResults> {
    if (this.#processing && query) return this.#processThenCommit(update, query);
    if (this.#error) return Promise.reject(this.#error);
    this.#buffer.push(update);
    if (this.#buffer.length >= this.#batchSize) return this.flush();
    if (this.#bufferWritten === undefined) {
      this.#bufferWritten = Promise.withResolvers();
      // Rejections reach the callers through #bufferWritten.
      this.#flushing.then(() => this.flush(), () => this.flush()).catch(() => {});
    }
    return this.#bufferWritten.promise;
  }

  /** With processing: the processor's rows first (outside the transaction), then the commit. */
  async #processThenCommit(update: ItemUpdate, query: QueryOf): Promise<WrittenResults> {
    await this.#processing!.annotate(update, query, this.#signal);
    return await this.commit(update);
  }

  /** Writes everything buffered so far; resolves when it is committed. */
  flush(): Promise<WrittenResults> {
    const batch = this.#buffer;
    const waiting = this.#bufferWritten;
    this.#buffer = [];
    this.#bufferWritten = undefined;
    this.#flushing = this.#flushing.then(async () => {
      if (this.#error) throw this.#error;
      if (batch.length === 0) return NOTHING_WRITTEN;
      try {
        const written = await this.#store.write(this.#owner, this.#jobId, batch, this.#now(), {
          confirm: this.#confirm,
          ...(this.#processing ? { process: this.#processing.plan } : {}),
        });
        if (written.processFailed?.size) this.#failProcessed(batch, written.processFailed);
        this.#written += written.applied;
        this.#onFlush?.(batch, written.applied);
        return written;
      } catch (error) {
        this.#error = error;
        this.#onError?.(error);
        throw error;
      }
    });
    if (waiting) {
      waiting.promise.catch(() => {});
      this.#flushing.then(waiting.resolve, waiting.reject);
    }
    return this.#flushing;
  }

  /** Makes the updates whose processing failed say so, as they were written. */
  #failProcessed(batch: readonly ItemUpdate[], failed: ReadonlyMap<number, string>): void {
    for (const update of batch) {
      const lastError = failed.get(update.id);
      if (lastError === undefined) continue;
      Object.assign(update, { status: "failed", lastError, errorClass: "process" });
      this.#onProcessFailed?.(update);
    }
  }

  /** Writes what is left. */
  async close(): Promise<void> {
    await this.flush();
  }
}
