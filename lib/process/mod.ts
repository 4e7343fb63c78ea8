/**
 * sluice's processing of answers into the user's tables, for scripts that
 * process stored answers themselves: {@linkcode prepareProcessing} checks a
 * job's `schema`, `into` SQL or processor against the database, and
 * {@linkcode processStored} runs it over the answers a job already holds.
 * The store's types (`./store`) are re-exported: processing reads and
 * writes through its repositories.
 *
 * @example Check an `into` statement before anything runs
 * ```ts
 * import { prepareProcessing } from "./mod.ts";
 * import { openStore } from "../store/mod.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await assert.rejects(
 *   prepareProcessing(store.tables, "j", { into: "INSERT INTO nowhere VALUES (:key)" }),
 *   /no such table: nowhere/,
 * );
 * store.close();
 * ```
 *
 * @module
 */
export { prepareProcessing, Processing } from "./processing.ts";
export { processStored } from "./process_stored.ts";
export type * from "./types.ts";
