/**
 * Processing the answers a job has stored already, again: after the
 * extraction was fixed, or to fill a new table. Nothing is sent. Page by
 * page, each answer's rows and its item's state in one transaction; with
 * keyed tables (`INSERT OR REPLACE`, `ON CONFLICT`) a second pass adds
 * nothing twice.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { Store } from "../store/store.ts";
import type { Processing } from "./processing.ts";

/** How far {@linkcode processStored} has come. */
export interface ProcessProgress {
  /** Stored answers the job had when it started. */
  total: number;
  /** Answers processed so far. */
  processed: number;
  /** Of those, the ones whose processing failed. */
  failed: number;
}

/** Options for {@linkcode processStored}. */
export interface ProcessStoredOptions {
  /** Answers per transaction at most. @default 1000 */
  batchSize?: number;
  /** Stops between pages; what was processed stays. @default undefined */
  signal?: AbortSignal;
  /** Called after each page. @default undefined */
  onProgress?: (progress: ProcessProgress) => void;
  /** Source of time for `updated`. @default Date.now */
  now?: () => number;
}

/** What {@linkcode processStored} did. */
export interface ProcessStoredSummary extends ProcessProgress {
  /** Failure reasons with how many answers each, most first. */
  reasons: [string, number][];
  /** True when `signal` stopped it before the end. */
  stopped: boolean;
}

/**
 * Processes every stored 2xx answer of job `jobId` again with `processing`
 * (whose schema is applied already). An item whose answer processes is done,
 * even one that had failed processing; one whose processing fails is failed
 * with class `process`.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { prepareProcessing } from "./processing.ts";
 * import { processStored } from "./process_stored.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * const processing = await prepareProcessing(store.tables, "j", {
 *   schema: "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY)",
 *   into: "INSERT OR REPLACE INTO seen VALUES (:key)",
 * });
 * await processing!.applySchema();
 * const summary = await processStored(store, job.id, processing!);
 * assert.equal(summary.total, 0);
 * store.close();
 * ```
 */
export async function processStored(
  store: Pick<Store, "tables">,
  jobId: number,
  processing: Processing,
  options: ProcessStoredOptions = {},
): Promise<ProcessStoredSummary> {
  const { batchSize = DEFAULTS.batchSize, signal, onProgress, now = Date.now } = options;
  const total = await store.tables.countStoredAnswers(jobId);
  const progress: ProcessProgress = { total, processed: 0, failed: 0 };
  const reasons = new Map<string, number>();
  let after = -1;
  while (!signal?.aborted) {
    const page = await store.tables.storedAnswers(jobId, after, batchSize);
    if (page.length === 0) break;
    after = page.at(-1)!.id;
    // The processor runs outside the transaction: it may take its time.
    const answers = [];
    for (const answer of page) answers.push(await processing.withRows(answer, signal));
    // Stopped meanwhile: this page is left as it was (a processor cut short is no failure).
    if (signal?.aborted) break;
    const { done, failed } = await store.tables.reprocess(answers, processing.plan, now());
    progress.processed += done + failed.size;
    progress.failed += failed.size;
    for (const reason of failed.values()) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    onProgress?.({ ...progress });
  }
  return {
    ...progress,
    reasons: [...reasons].sort((a, b) => b[1] - a[1]),
    stopped: signal?.aborted ?? false,
  };
}
