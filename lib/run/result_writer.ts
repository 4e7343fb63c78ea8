/**
 * Buffers item outcomes and writes them in few, large transactions: by size
 * or after a short delay, whichever comes first.
 *
 * @module
 */
import type { ItemUpdate, Store } from "../store/store.ts";

/** Options for {@linkcode ResultWriter}. */
export interface ResultWriterOptions {
  /** Flush when this many outcomes are buffered. @default 1000 */
  batchSize?: number;
  /** Flush at most this long after the first buffered outcome. @default 200 */
  flushMs?: number;
  /** Called after each successful flush with the rows written. */
  onFlush?: (updates: readonly ItemUpdate[], applied: number) => void;
  /** Called once if a flush fails; the writer then refuses new work. */
  onError?: (error: unknown) => void;
}

/**
 * Collects {@linkcode ItemUpdate}s and writes each batch in one transaction.
 * Only complete updates are buffered: await the response body *before*
 * calling {@linkcode ResultWriter.add}, so a flush can never lose a row.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { ResultWriter } from "./result_writer.ts";
 * const store = await openStore(":memory:");
 * const writer = new ResultWriter(store, "me", 1, { batchSize: 10 });
 * await writer.close();
 * store.close();
 * ```
 */
export class ResultWriter {
  readonly #store: Store;
  readonly #owner: string;
  readonly #jobId: number;
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #onFlush: ResultWriterOptions["onFlush"];
  readonly #onError: ResultWriterOptions["onError"];
  #buffer: ItemUpdate[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #next: Promise<void> | undefined;
  #error: unknown;
  #written = 0;

  constructor(store: Store, owner: string, jobId: number, options: ResultWriterOptions = {}) {
    const { batchSize = 1000, flushMs = 200, onFlush, onError } = options;
    this.#store = store;
    this.#owner = owner;
    this.#jobId = jobId;
    this.#batchSize = batchSize;
    this.#flushMs = flushMs;
    this.#onFlush = onFlush;
    this.#onError = onError;
  }

  /** Outcomes waiting for a flush. */
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

  /** Buffers one outcome; may start a flush. Throws once a flush has failed. */
  add(update: ItemUpdate): void {
    if (this.#error) throw this.#error;
    this.#buffer.push(update);
    if (this.#buffer.length >= this.#batchSize) {
      void this.flush().catch(() => {});
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => {});
      }, this.#flushMs);
    }
  }

  /**
   * Buffers one outcome and resolves once it is committed (group commit): a
   * flush starts at once, or as soon as the flush under way ends, and takes
   * every outcome buffered by then. A caller that awaits this before taking
   * new work holds at most one flush's delay, and never has an answer that is
   * only in memory when the process dies. Rejects if the write fails.
   *
   * @example Usage
   * ```ts
   * import { openStore } from "../store/store.ts";
   * import { ResultWriter } from "./result_writer.ts";
   * import assert from "node:assert/strict";
   * const store = await openStore(":memory:");
   * const job = await store.createJob({ name: "j", request: "{}", options: "{}", now: 0 });
   * await store.importItems(job.id, [[0, "a", "{}"]], 0);
   * const [item] = await store.claim(job.id, "me", 1, 0, 60_000);
   * const writer = new ResultWriter(store, "me", job.id);
   * await writer.commit({
   *   id: item!.id, status: "done", attempts: 1, throttled: 0, nextAt: 0,
   *   lastStatus: 200, lastError: null, possiblySent: 0, sent: 1,
   * });
   * assert.equal((await store.counts(job.id)).done, 1);
   * store.close();
   * ```
   */
  commit(update: ItemUpdate): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    this.#buffer.push(update);
    if (this.#buffer.length >= this.#batchSize) return this.flush();
    this.#next ??= this.#flushing.then(() => {
      this.#next = undefined;
      return this.flush();
    });
    return this.#next;
  }

  /** Writes everything buffered so far; resolves when it is committed. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(async () => {
      if (this.#error) throw this.#error;
      if (batch.length === 0) return;
      try {
        const applied = await this.#store.writeResults(this.#owner, this.#jobId, batch, Date.now());
        this.#written += applied;
        this.#onFlush?.(batch, applied);
      } catch (error) {
        this.#error = error;
        this.#onError?.(error);
        throw error;
      }
    });
    return this.#flushing;
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    await this.flush();
  }
}
