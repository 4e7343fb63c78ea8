/**
 * Fixtures of the store tests: a job of `n` ready items, and outcomes to write.
 *
 * @module
 */
import type { ItemUpdate, ResponseRow, Store } from "../../lib/store/store.ts";
import { type TestDb, testDb } from "../_db.ts";

/** A store on a temporary file with one job of `n` items keyed k0, k1, …; all ready at time 0. */
export async function dbWith(n: number): Promise<TestDb & { jobId: number }> {
  const db = await testDb();
  const jobId = await addJob(db.store, n);
  return Object.assign(db, { jobId });
}

/** Adds job "j" of `n` items keyed k0, k1, … (vars `{ q: "q<i>" }`); returns its id. */
export async function addJob(store: Store, n: number, name = "j"): Promise<number> {
  const job = await store.jobs.create({ name, request: { url: "" }, options: {}, now: 0 });
  const rows = Array.from(
    { length: n },
    (_, i): [number, string, string] => [i, `k${i}`, JSON.stringify({ q: `q${i}` })],
  );
  if (n > 0) await store.queue.importItems(job.id, rows, 0);
  return job.id;
}

/** An item's outcome: done at the first attempt with a 200, unless `fields` say otherwise. */
export function outcome(id: number, fields: Partial<ItemUpdate> = {}): ItemUpdate {
  return {
    id,
    status: "done",
    attempts: 1,
    throttled: 0,
    nextAt: 0,
    lastStatus: 200,
    lastError: null,
    errorClass: null,
    possiblySent: 0,
    sent: 1,
    ...fields,
  };
}

/** A response row of `body`. */
export function response(seq: number, body: string, status = 200): ResponseRow {
  return { seq, status, durationMs: 1, headers: null, body, url: null, error: null, at: 1 };
}

/** The items' columns the tests look at, in input order. */
export function items(db: TestDb): Promise<Record<string, unknown>[]> {
  return db.rows(
    `SELECT key, status, attempts, throttled, next_at, lease_owner, possibly_sent, last_status,
            last_error, error_class FROM items ORDER BY seq`,
  );
}
