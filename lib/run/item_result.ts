/**
 * What `runJob`'s `onResult` receives for an item (a query's page) once it
 * is done or failed and committed: plain data, nothing to parse.
 *
 * @module
 */
import type { ClaimedItem } from "../store/queue.ts";
import type { ItemUpdate } from "../store/results.ts";
import type { FailureClass } from "../store/failure_class.ts";

/** An item's final result, as committed. */
export interface ItemResult {
  /** The query's key. */
  key: string;
  /** The query's position in the input. */
  seq: number;
  /** The page of the query's answers this result is (`next`), from 1. */
  page: number;
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** How the item ended. */
  state: "done" | "failed";
  /** The final answer's HTTP status; null without an answer. */
  status: number | null;
  /**
   * The final answer's body as received: its text, or its bytes (a
   * `Uint8Array`) when they are not text (not valid in the declared charset,
   * or holding a NUL); null without one (or one over the size cap).
   */
  body: string | Uint8Array | null;
  /** The URL that gave the final answer, after redirects. */
  url: string | null;
  /** The answer's headers that are kept (pacing and content headers). */
  headers: Record<string, string> | null;
  /** The class of the failure; null when done. */
  errorClass: FailureClass | null;
  /** Why it failed; null when done. */
  error: string | null;
  /** Attempts made, not counting throttled ones. */
  attempts: number;
}

/**
 * The result of `item` from the update that made it done or failed.
 *
 * @example Usage
 * ```ts
 * import { itemResult } from "./item_result.ts";
 * import assert from "node:assert/strict";
 * const item = { id: 1, seq: 0, key: "a", vars: { q: "x" }, attempts: 0, throttled: 0 };
 * const result = itemResult(item, {
 *   id: 1, status: "done", attempts: 1, throttled: 0, nextAt: 0, lastStatus: 200,
 *   lastError: null, errorClass: null, possiblySent: 0, sent: 1,
 *   response: {
 *     seq: 0, status: 200, durationMs: 3, headers: '{"content-type":"text/plain"}',
 *     body: "ok", url: "http://api.test/", error: null, at: 0,
 *   },
 * });
 * assert.equal(result.state, "done");
 * assert.deepEqual(result.headers, { "content-type": "text/plain" });
 * ```
 */
export function itemResult(item: ClaimedItem, update: ItemUpdate): ItemResult {
  const response = update.response;
  return {
    key: item.key,
    seq: item.seq,
    page: item.page ?? 1,
    vars: item.vars,
    state: update.status === "done" ? "done" : "failed",
    status: update.lastStatus,
    body: response?.body ?? null,
    url: response?.url ?? null,
    headers: response?.headers ? JSON.parse(response.headers) : null,
    errorClass: update.errorClass,
    error: update.lastError,
    attempts: update.attempts,
  };
}
