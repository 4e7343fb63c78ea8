/**
 * The library's way into a database: open it to read what runs stored,
 * through the read-only {@linkcode StoreView}. The repositories that write
 * stay behind `./store`.
 *
 * @module
 */
import { openStore, type StoreOptions, type StoreView } from "./store.ts";

/**
 * Opens (and migrates) a database to read what runs stored: jobs, their
 * counts, every item with its latest answer. `file:sluice.db`, `:memory:`,
 * `libsql://…`, `http://…`. Give it to `run` as `db` to run on the same
 * connection (a `:memory:` database lives as long as it).
 *
 * @example Run a job, then read its answers
 * ```ts
 * import { openStore, run } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await run({
 *   queries: [{ q: "a" }, { q: "b" }],
 *   request: { url: "http://api.test/search?q={{q}}" },
 *   db: store,
 *   job: "search",
 *   fetch: (url) => Promise.resolve(new Response(new URL(String(url)).search)),
 * });
 * const job = await store.jobs.find("search");
 * assert.equal((await store.queue.counts(job!.id)).done, 2);
 * const rows = await Array.fromAsync(store.reports.exportRows(job!.id));
 * assert.deepEqual(rows.map((r) => [r.state, r.body]), [["done", "?q=a"], ["done", "?q=b"]]);
 * store.close();
 * ```
 */
export function openStoreView(url: string, options: StoreOptions = {}): Promise<StoreView> {
  return openStore(url, options);
}
