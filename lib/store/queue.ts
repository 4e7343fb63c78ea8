/**
 * The queue of items: importing queries, claiming ready items under a lease,
 * how much work is left, counts by state, and putting failed items back.
 *
 * @module
 */
import { StoreError } from "../errors.ts";
import type { KeptItem } from "../job/duplicate_keys.ts";
import { parseExactJson } from "../job/exact_json.ts";
import type { NextRequest } from "../job/next_spec.ts";
import { FAILURE_GROUPS, type FailureGroup } from "./failure_class.ts";
import type { Executor } from "./connection.ts";

/** An item handed to a worker by {@linkcode QueueRepository.claim}. */
export interface ClaimedItem {
  /** Row id. */
  id: number;
  /** Position in the input. */
  seq: number;
  /** The query's key (its id, or a hash of its fields). */
  key: string;
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** Attempts so far, not counting throttled ones. */
  attempts: number;
  /** Throttled (429) answers so far. */
  throttled: number;
  /** The page of the query, from 1; claims of a job without pages leave it out (page 1). */
  page?: number;
  /**
   * How this page's request differs from the query's first, as the answer
   * before it named it: its URL, its cursor or its variables; null for a
   * numbered page (and the first).
   *
   * @ignore
   */
  next?: NextRequest | null;
}

/** Counts of a job's items by state. */
export interface JobCounts {
  /** Items in the job. */
  total: number;
  /** Items waiting to be sent (now or after a backoff). */
  pending: number;
  /** Items leased to a worker. */
  inflight: number;
  /** Items answered 2xx. */
  done: number;
  /** Items that failed for good. */
  failed: number;
  /** Items whose request may have gone out twice. */
  possiblySent: number;
  /**
   * Queries in the job: its items of page 1 (each later page of a query is
   * an item too, see `--next`).
   *
   * @default {total}
   */
  queries?: number;
  /**
   * Queries done: their last page is. A query has one page at most that is
   * not done (the next is added when the one before it is done), so the
   * others are pending, in flight or failed as that page is.
   *
   * @default {done}
   */
  queriesDone?: number;
}

/** How much work is left, from {@linkcode QueueRepository.readiness}. */
export interface Readiness {
  /** Items waiting to be sent (now or after a backoff). */
  pending: number;
  /** Items leased to a worker. */
  inflight: number;
  /** When the next pending item is due; undefined when none is pending. */
  nextAt: number | undefined;
}

/**
 * Which failed items `sluice retry` puts back: every one, or those whose last
 * error was of one class, by the name `sluice status` prints for it.
 */
export type RequeueFilter = "failed" | FailureGroup;

/** A claimed item as the claim's JSON page holds it; with pages, its page and next request too. */
type ClaimTuple = [
  number,
  number,
  string,
  Record<string, unknown>,
  number,
  number,
  number?,
  (NextRequest | null)?,
];

/**
 * The items of jobs as a queue.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", '{"q":1}']], 0);
 * const [item] = await store.queue.claim(job.id, "me", 10, 0, 60_000);
 * assert.deepEqual(item?.vars, { q: 1 });
 * assert.equal((await store.queue.counts(job.id)).inflight, 1);
 * store.close();
 * ```
 */
export class QueueRepository {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /**
   * Inserts a page of items with one statement; keys already present are
   * skipped. `rows` are `[seq, key, varsJson]`. Returns the number inserted.
   */
  async importItems(
    jobId: number,
    rows: [number, string, string][],
    now: number,
  ): Promise<number> {
    const rs = await this.#db.batch([
      {
        sql: `INSERT OR IGNORE INTO items (job, seq, key, vars, updated)
              SELECT ?, value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?)`,
        args: [jobId, now, JSON.stringify(rows)],
      },
      {
        sql: "UPDATE jobs SET next_seq = max(next_seq, ?) WHERE id = ?",
        args: [(rows.at(-1)?.[0] ?? -1) + 1, jobId],
      },
    ], "import");
    return rs[0]!.rowsAffected;
  }

  /**
   * The rows the job holds for `keys` (key, seq, variables as stored JSON
   * text), for the report of duplicate keys an import skipped.
   */
  async keptItems(jobId: number, keys: readonly string[]): Promise<KeptItem[]> {
    const rs = await this.#db.execute({
      sql: `SELECT key, seq, vars FROM items
            WHERE job = ? AND key IN (SELECT value FROM json_each(?)) AND page = 1`,
      args: [jobId, JSON.stringify(keys)],
    }, "read kept items");
    return rs.rows.map((row) => ({
      key: String(row[0]),
      seq: Number(row[1]),
      vars: String(row[2]),
    }));
  }

  /**
   * Leases up to `limit` ready items to `owner` until `leaseUntil`. With
   * `pages` (a job with `--next`), each item comes with its page and how its
   * request differs from the query's first.
   */
  async claim(
    jobId: number,
    owner: string,
    limit: number,
    now: number,
    leaseUntil: number,
    pages = false,
  ): Promise<ClaimedItem[]> {
    // One write transaction: the page is read as one JSON row, the variables
    // embedded as JSON (a row object per item costs more than the claim
    // itself, and one parse of the page yields the variables as objects), then
    // the same page is leased. The write lock, held from the start, keeps both
    // statements on the same items.
    const ready = `SELECT id, seq, key, vars, attempts, throttled FROM items INDEXED BY items_ready
                   WHERE job = ? AND status = 'pending' AND next_at <= ?
                   ORDER BY next_at LIMIT ?`;
    const [read, lease] = await this.#db.batch([
      {
        sql: `SELECT json_group_array(json_array(id, seq, key, json(vars), attempts, throttled${
          pages ? ", page, json(next)" : ""
        })) FROM (${
          pages ? ready.replace("throttled FROM", "throttled, page, next FROM") : ready
        })`,
        args: [jobId, now, limit],
      },
      {
        sql: `UPDATE items SET status = 'inflight', lease_owner = ?, lease_until = ?, updated = ?
              WHERE id IN (SELECT id FROM (${ready}))`,
        args: [owner, leaseUntil, now, jobId, now, limit],
      },
    ], "claim");
    // Exact: an id beyond 2^53 in the variables is rendered as it was written.
    const page = parseExactJson(String(read!.rows[0]?.[0] ?? "[]")) as ClaimTuple[];
    if (page.length !== lease!.rowsAffected) {
      throw new StoreError(
        `Database ${this.#db.url} failed to claim: read ${page.length} items, leased ${
          lease!.rowsAffected
        }`,
      );
    }
    const items: ClaimedItem[] = page.map(([id, seq, key, vars, attempts, throttled]) => ({
      id,
      seq,
      key: String(key),
      vars,
      attempts,
      throttled,
    }));
    if (pages) {
      for (const [i, item] of items.entries()) {
        item.page = page[i]![6]!;
        item.next = page[i]![7] ?? null;
      }
    }
    return items;
  }

  /** How much work is left: pending and in-flight counts, and when the next pending item is due. */
  async readiness(jobId: number): Promise<Readiness> {
    const rs = await this.#db.execute({
      sql: `SELECT
              (SELECT count(*) FROM items WHERE job = ? AND status = 'pending'),
              (SELECT count(*) FROM items WHERE job = ? AND status = 'inflight'),
              (SELECT min(next_at) FROM items WHERE job = ? AND status = 'pending')`,
      args: [jobId, jobId, jobId],
    }, "readiness");
    const row = rs.rows[0]!;
    return {
      pending: Number(row[0]),
      inflight: Number(row[1]),
      nextAt: row[2] === null ? undefined : Number(row[2]),
    };
  }

  /** Counts a job's items by state. */
  async counts(jobId: number): Promise<JobCounts> {
    const rs = await this.#db.execute({
      // Index only: items_ready for the states, items_possibly_sent and
      // items_later_pages for the rest.
      sql: `SELECT status, count(*) FROM items WHERE job = ? GROUP BY status
            UNION ALL
            SELECT NULL, count(*) FROM items WHERE job = ? AND possibly_sent > 0
            UNION ALL
            SELECT 'later', count(*) FROM items WHERE job = ? AND page > 1`,
      args: [jobId, jobId, jobId],
    }, "count");
    const counts: JobCounts = {
      total: 0,
      pending: 0,
      inflight: 0,
      done: 0,
      failed: 0,
      possiblySent: 0,
    };
    let later = 0;
    for (const row of rs.rows) {
      const n = Number(row[1]);
      if (row[0] === null) {
        counts.possiblySent = n;
        continue;
      }
      if (row[0] === "later") {
        later = n;
        continue;
      }
      const status = String(row[0]) as "pending" | "inflight" | "done" | "failed";
      if (status in counts) counts[status] = n;
      counts.total += n;
    }
    counts.queries = counts.total - later;
    counts.queriesDone = counts.queries - counts.pending - counts.inflight - counts.failed;
    return counts;
  }

  /**
   * Puts failed items back to `pending` with fresh attempt counts. `filter`
   * picks which: every failed item, or those of one failure class.
   */
  async requeueFailed(jobId: number, filter: RequeueFilter, now: number): Promise<number> {
    const errorClass = filter === "failed" ? null : FAILURE_GROUPS[filter];
    const rs = await this.#db.execute({
      sql: `UPDATE items SET status = 'pending', attempts = 0, throttled = 0, next_at = 0,
              updated = ?
            WHERE job = ? AND status = 'failed' AND (? IS NULL OR error_class = ?)`,
      args: [now, jobId, errorClass, errorClass],
    }, "re-queue failed items");
    return rs.rowsAffected;
  }
}
