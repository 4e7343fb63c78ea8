/**
 * What a run reports to, is stopped by and reaches the world through,
 * besides its settings: shared by `run` and `runJob`.
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import type { ItemResult } from "./item_result.ts";

/** What a run reports to, is stopped by and reaches the world through. */
export interface RunHooks {
  /** Requests a stop: no new claims, in-flight requests get `graceMs`. @default {undefined} */
  signal?: AbortSignal;
  /**
   * Stops at once: requests in flight are abandoned (counted as possibly
   * sent), claimed items not yet sent go back to the queue unflagged.
   *
   * @default {undefined}
   */
  stopNow?: AbortSignal;
  /** Reads `{{env.NAME}}` placeholders. @default {Deno.env.get} */
  env?: (name: string) => string | undefined;
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Source of time. @default {systemClock} */
  clock?: Clock;
  /**
   * Called once per item that ends done or failed, after the transaction that
   * recorded it has committed, before its pool slot takes new work. If it
   * throws, no new item is started and the run rejects with its error.
   *
   * @default {undefined}
   */
  onResult?: (result: ItemResult) => void | Promise<void>;
  /** Result rows per transaction at most. @default {1000} */
  batchSize?: number;
}
