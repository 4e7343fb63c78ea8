/**
 * sluice's store, for scripts that read or write a job's database
 * themselves: {@linkcode openStore}, its repositories (jobs, queue, results,
 * leases, workers, history, reports, budget, the user's tables), the rows
 * they hold, and a client for the user's own SQL ({@linkcode openSqlClient}).
 * {@linkcode StoreView} is the read-only part a script reads results with
 * (what the main entry's `openStore` returns); {@linkcode StatusView} adds
 * what `sluice status` and the dashboard read.
 *
 * @example Read a job's counts
 * ```ts
 * import { openStore } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "http://x/" }, options: {}, now: 0 });
 * assert.equal((await store.queue.counts(job.id)).total, 0);
 * store.close();
 * ```
 *
 * @module
 */
export { openStore, Store } from "./store.ts";
export { openSqlClient, SqlClient } from "./sql_client.ts";
export type * from "./types.ts";
