/**
 * Reading what a job did: failures by reason and by class, the export of
 * every item with its latest response, failed items, one item with every
 * attempt. Read-only; JSON columns come out parsed.
 *
 * @module
 */
import { parseExactJson } from "../job/exact_json.ts";
import { FAILURE_GROUPS, type FailureClass } from "./failure_class.ts";
import { bodyOfColumn } from "../util/stored_body.ts";
import type { Executor } from "./connection.ts";

/** One item with its latest response, as `sluice export` writes it. */
export interface ExportRow {
  /** Position of the query in the input. */
  seq: number;
  /** The query's key. */
  key: string;
  /** The page of the query's answers (`--next`), from 1. */
  page: number;
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** The item's state: pending, inflight, done or failed. */
  state: string;
  /** Attempts made, not counting throttled ones. */
  attempts: number;
  /** Why the attempt failed; null when it did not. */
  error: string | null;
  /** The final answer's HTTP status; null without an answer. */
  status: number | null;
  /** The response body: its text, or its bytes when they are not text; null without one. */
  body: string | Uint8Array | null;
  /** The URL that answered, after redirects. */
  url: string | null;
  /** When it happened (epoch ms). */
  at: number | null;
  /** Time from sending to the whole body read. */
  durationMs: number | null;
}

/** A failed item, as the dashboard lists it. */
export interface FailedItem {
  /** The query's key. */
  key: string;
  /** The page of the query that failed (`--next`), from 1. */
  page: number;
  /** Position of the query in the input. */
  seq: number;
  /** Attempts made, not counting throttled ones. */
  attempts: number;
  /** The last answer's HTTP status; null without an answer. */
  lastStatus: number | null;
  /** Why the last attempt failed; null when it did not. */
  lastError: string | null;
  /** The class of the last failure; null when none. */
  errorClass: FailureClass | null;
  /** When the item last changed (epoch ms). */
  updated: number;
}

/** Items that wait after an answer, grouped by it: see {@linkcode ReportRepository.waitingItems}. */
export interface WaitingGroup {
  /** `pending` (waiting for their next try) or `inflight` (claimed by a worker). */
  state: "pending" | "inflight";
  /** The HTTP status of their last answer; null when none came (a timeout, a network error). */
  lastStatus: number | null;
  /** The class of their last failure; null when none was recorded. */
  errorClass: FailureClass | null;
  /** One of their last errors, as an example. */
  lastError: string | null;
  /** How many items. */
  items: number;
  /** The fewest and the most attempts (not counting throttled ones) among them. */
  attempts: { min: number; max: number; sum: number };
  /** The most throttled answers (429, or 503 with Retry-After) any of them had. */
  throttledMax: number;
  /** Since when: the oldest of their last answers (epoch ms). */
  since: number;
  /** The newest of their last answers (epoch ms). */
  latest: number;
  /** When the first of them may be sent again (epoch ms; 0: now). */
  nextAt: number;
}

/** Options for {@linkcode ReportRepository.failedItems}. */
export interface FailedItemsOptions {
  /** Only items whose last error starts with this text. @default "" */
  reason?: string;
  /** Only items whose last error is of this class. @default undefined (any) */
  errorClass?: FailureClass;
  /** Items at most. @default 100 */
  limit?: number;
  /** Items skipped first. @default 0 */
  offset?: number;
  /** Only items whose last answer had this HTTP status. @default undefined (any) */
  status?: number;
  /** Only items whose key contains this text. @default "" */
  keyContains?: string;
}

/** One stored attempt of an item. */
export interface AttemptRow {
  /** The attempt's number (1 for the first send). */
  attempt: number;
  /** The answer's HTTP status; null without an answer. */
  status: number | null;
  /** Time from sending to the whole body read. */
  durationMs: number;
  /** The kept response headers. */
  headers: Record<string, string> | null;
  /** The response body: its text, or its bytes when they are not text; null without one. */
  body: string | Uint8Array | null;
  /** The URL that answered, after redirects. */
  url: string | null;
  /** Why the attempt failed; null when it did not. */
  error: string | null;
  /** The class of the failure; null when none. */
  errorClass: FailureClass | null;
  /** When the answer came (epoch ms). */
  at: number;
}

/** One item and every stored attempt, for the dashboard's item page. */
export interface ItemDetail {
  /** Position of the query in the input. */
  seq: number;
  /** The query's key. */
  key: string;
  /** The page of the query (`--next`), from 1. */
  page: number;
  /** Why this page, which named a next one, was its query's last: `loop`, `max_pages`. */
  pageEnd: string | null;
  /** The query's variables. */
  vars: Record<string, unknown>;
  /** The item's state: pending, inflight, done or failed. */
  status: string;
  /** Attempts made, not counting throttled ones. */
  attempts: number;
  /** Throttled (429) answers so far. */
  throttled: number;
  /** When a pending item may be sent again (epoch ms). */
  nextAt: number;
  /** The last answer's HTTP status; null without an answer. */
  lastStatus: number | null;
  /** Why the last attempt failed; null when it did not. */
  lastError: string | null;
  /** The class of the last failure; null when none. */
  errorClass: FailureClass | null;
  /** How often the item's request may have gone out without its answer recorded. */
  possiblySent: number;
  /** When the item last changed (epoch ms). */
  updated: number;
  /** Every stored attempt, oldest first. */
  responses: AttemptRow[];
}

/** Reads a job's answers: what a script needs of {@linkcode ReportRepository}. */
export interface ReportReader {
  /**
   * Pages through a job's items with their latest response, in input order,
   * `pageSize` rows a query.
   */
  exportRows(jobId: number, pageSize?: number): AsyncGenerator<ExportRow>;
}

/** `sluice status`'s name for a failure class: see {@linkcode FAILURE_GROUPS}. */
const GROUP_OF_CLASS = `CASE error_class ${
  Object.entries(FAILURE_GROUPS).map(([name, cls]) => `WHEN '${cls}' THEN '${name}'`).join(" ")
} ELSE 'other' END`;

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The read-only reports over a job's items and responses.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", '{"q":"x"}']], 0);
 * const rows = await Array.fromAsync(store.reports.exportRows(job.id));
 * assert.deepEqual(rows.map((r) => [r.key, r.vars, r.state]), [["a", { q: "x" }, "pending"]]);
 * assert.deepEqual(await store.reports.failureClasses(job.id), {});
 * store.close();
 * ```
 */
export class ReportRepository implements ReportReader {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Counts of failed items by their last error, most frequent first (at most 20). */
  async failureReasons(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#db.execute({
      sql: `SELECT coalesce(last_error, 'http ' || last_status), count(*) FROM items
            WHERE job = ? AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 20`,
      args: [jobId],
    }, "count failures");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /**
   * Counts of failed items by class of their last error, named as
   * `sluice retry --status` takes them: 429, 4xx (other), 5xx, timeout,
   * network, and other (bad template, body too big, too many redirects…).
   */
  async failureClasses(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#db.execute({
      sql: `SELECT ${GROUP_OF_CLASS}, count(*) FROM items
            WHERE job = ? AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1`,
      args: [jobId],
    }, "count failure classes");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /** Counts of failed items by the class of their last error (none recorded: `other`), most first. */
  async failedByClass(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#db.execute({
      sql: `SELECT coalesce(error_class, 'other'), count(*) FROM items
            WHERE job = ? AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1`,
      args: [jobId],
    }, "count failed classes");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /**
   * How many queries ended at a page that named a next one not followed:
   * seen already (`loop`), or past `--max-pages` (`max_pages`).
   */
  async pageEnds(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#db.execute({
      sql: `SELECT page_end, count(*) FROM items
            WHERE job = ? AND page_end IS NOT NULL GROUP BY 1 ORDER BY 1`,
      args: [jobId],
    }, "count page ends");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /** Counts of failed items by the HTTP status of their last answer (none: `null`), most first. */
  async failedStatuses(jobId: number): Promise<{ status: number | null; count: number }[]> {
    const rs = await this.#db.execute({
      sql: `SELECT last_status, count(*) FROM items WHERE job = ? AND status = 'failed'
            GROUP BY 1 ORDER BY 2 DESC, 1`,
      args: [jobId],
    }, "count failed statuses");
    return rs.rows.map((r) => ({ status: num(r[0]), count: Number(r[1]) }));
  }

  /**
   * The job's pending and claimed items that had an answer (or a failure),
   * grouped by state, last status and failure class, the largest group first
   * (at most 20 groups): why they wait and since when. Items never sent are
   * not read (the partial index `items_waiting` holds only the others), so it
   * stays cheap on a job of millions: their number is the counts' pending
   * and in flight less these.
   *
   * @ignore
   */
  async waitingItems(jobId: number): Promise<WaitingGroup[]> {
    const rs = await this.#db.execute({
      sql: `SELECT status, last_status, error_class, max(last_error), count(*), min(attempts),
                   max(attempts), sum(attempts), max(throttled), min(updated), max(updated),
                   min(next_at)
            FROM items INDEXED BY items_waiting
            WHERE job = ? AND status IN ('pending', 'inflight')
              AND (last_status IS NOT NULL OR last_error IS NOT NULL)
            GROUP BY status, last_status, error_class ORDER BY count(*) DESC, 1, 2 LIMIT 20`,
      args: [jobId],
    }, "group waiting items");
    return rs.rows.map((r) => ({
      state: String(r[0]) as WaitingGroup["state"],
      lastStatus: num(r[1]),
      errorClass: text(r[2]) as FailureClass | null,
      lastError: text(r[3]),
      items: Number(r[4]),
      attempts: { min: Number(r[5]), max: Number(r[6]), sum: Number(r[7]) },
      throttledMax: Number(r[8]),
      since: Number(r[9]),
      latest: Number(r[10]),
      nextAt: Number(r[11]),
    }));
  }

  /** Pages through a job's items with their latest response, in input order. */
  async *exportRows(jobId: number, pageSize = 1000): AsyncGenerator<ExportRow> {
    let after = -1;
    while (true) {
      const rs = await this.#db.execute({
        sql: `SELECT i.id, i.seq, i.key, i.vars, i.status, i.attempts, i.last_error,
                     coalesce(r.status, i.last_status), r.body, r.url, r.at, r.duration_ms, i.page
              FROM items i LEFT JOIN responses r ON r.item = i.id AND r.attempt =
                (SELECT max(attempt) FROM responses WHERE item = i.id)
              WHERE i.job = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
        args: [jobId, after, pageSize],
      }, "export");
      for (const r of rs.rows) {
        yield {
          seq: Number(r[1]),
          key: String(r[2]),
          page: Number(r[12]),
          vars: parseExactJson(String(r[3])) as Record<string, unknown>,
          state: String(r[4]),
          attempts: Number(r[5]),
          error: text(r[6]),
          status: num(r[7]),
          body: bodyOfColumn(r[8]),
          url: text(r[9]),
          at: num(r[10]),
          durationMs: num(r[11]),
        };
      }
      if (rs.rows.length < pageSize) return;
      after = Number(rs.rows.at(-1)![0]);
    }
  }

  /** Failed items, newest first, optionally only those of one reason or class. */
  async failedItems(jobId: number, options: FailedItemsOptions = {}): Promise<FailedItem[]> {
    const { reason = "", errorClass, limit = 100, offset = 0, status, keyContains = "" } = options;
    const cls = errorClass ?? null;
    const code = status ?? null;
    const rs = await this.#db.execute({
      sql: `SELECT key, seq, attempts, last_status, last_error, error_class, updated, page
            FROM items
            WHERE job = ? AND status = 'failed'
              AND substr(coalesce(last_error, ''), 1, length(?)) = ?
              AND (? IS NULL OR error_class = ?)
              AND (? IS NULL OR last_status = ?) AND instr(key, ?) > 0
            ORDER BY updated DESC, id LIMIT ? OFFSET ?`,
      args: [jobId, reason, reason, cls, cls, code, code, keyContains, limit, offset],
    }, "list failed items");
    return rs.rows.map((r) => ({
      key: String(r[0]),
      seq: Number(r[1]),
      attempts: Number(r[2]),
      lastStatus: num(r[3]),
      lastError: text(r[4]),
      errorClass: text(r[5]) as FailureClass | null,
      updated: Number(r[6]),
      page: Number(r[7]),
    }));
  }

  /** One item (a query's page, its first by default) with every stored response, oldest first. */
  async itemWithResponses(
    jobId: number,
    key: string,
    page = 1,
  ): Promise<ItemDetail | undefined> {
    const rs = await this.#db.batch([
      {
        sql: `SELECT id, seq, key, vars, status, attempts, throttled, next_at, last_status,
                     last_error, error_class, possibly_sent, updated, page, page_end
              FROM items WHERE job = ? AND key = ? AND page = ?`,
        args: [jobId, key, page],
      },
      {
        sql: `SELECT r.attempt, r.status, r.duration_ms, r.headers, r.body, r.url, r.error,
                     r.error_class, r.at
              FROM responses r JOIN items i ON r.item = i.id
              WHERE i.job = ? AND i.key = ? AND i.page = ? ORDER BY r.attempt`,
        args: [jobId, key, page],
      },
    ], "read item");
    const row = rs[0]!.rows[0];
    if (!row) return undefined;
    return {
      seq: Number(row[1]),
      key: String(row[2]),
      page: Number(row[13]),
      pageEnd: text(row[14]),
      vars: parseExactJson(String(row[3])) as Record<string, unknown>,
      status: String(row[4]),
      attempts: Number(row[5]),
      throttled: Number(row[6]),
      nextAt: Number(row[7]),
      lastStatus: num(row[8]),
      lastError: text(row[9]),
      errorClass: text(row[10]) as FailureClass | null,
      possiblySent: Number(row[11]),
      updated: Number(row[12]),
      responses: rs[1]!.rows.map((r) => ({
        attempt: Number(r[0]),
        status: num(r[1]),
        durationMs: Number(r[2]),
        headers: r[3] === null || r[3] === undefined ? null : JSON.parse(String(r[3])),
        body: bodyOfColumn(r[4]),
        url: text(r[5]),
        error: text(r[6]),
        errorClass: text(r[7]) as FailureClass | null,
        at: Number(r[8]),
      })),
    };
  }

  /**
   * The value at JSON `path` (`$.results[0].title`) of the bodies of the first
   * `limit` stored responses, in input order, with their item's key.
   */
  async answerValues(path: string, limit: number): Promise<{ key: string; value: unknown }[]> {
    const rs = await this.#db.execute({
      sql: `SELECT i.key, json_extract(r.body, ?) FROM items i JOIN responses r ON r.item = i.id
            ORDER BY i.id LIMIT ?`,
      args: [path, limit],
    }, "read answers");
    return rs.rows.map((r) => ({ key: String(r[0]), value: r[1] }));
  }
}
