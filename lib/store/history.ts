/**
 * The `snapshots` table: a job's statistics over time, for the dashboard's charts.
 *
 * @module
 */
import type { Row } from "../deps.ts";
import type { Executor } from "./connection.ts";

const SNAPSHOT_COLUMNS = `at, done, failed, sent, throttled, retried, rate, p50_ms, p95_ms,
  recent_p50_ms, recent_p95_ms, recent_p99_ms, statuses, inflight, concurrency, cooldown_until,
  paused, rate_limit, breaker_until, units`;

/** A cost unit's use at a point of the history (requests are counted by `sent`). */
export interface UnitUse {
  /** The unit: `tokens`, `points`, ... */
  unit: string;
  /** Spent so far in the run: settled usage, and the estimates of requests that reported none. */
  spent: number;
  /** What could still be spent then before its tightest limit held. */
  left?: number;
  /** That limit: `12,000/6s`, `2,000,000/day`, `server quota "tokens"`. */
  of?: string;
  /** True when a limit of this unit set the pace then. */
  pacing?: true;
}

/** A point of a job's statistics history (table `snapshots`). */
export interface SnapshotRow {
  /** When it happened (epoch ms). */
  at: number;
  /** Items done. */
  done: number;
  /** Items failed. */
  failed: number;
  /** Requests sent. */
  sent: number;
  /** Throttled (429) answers so far. */
  throttled: number;
  /** Attempts re-queued with backoff. */
  retried: number;
  /** Items done or failed per second around this point. */
  rate: number;
  /** Median response time around this point. */
  p50Ms: number | null;
  /** 95th percentile response time around this point. */
  p95Ms: number | null;
  // Since schema 5; left out when not recorded (older rows, or nothing to say).
  /** Response time percentiles of the last few seconds' attempts. */
  recentP50Ms?: number;
  /** 95th percentile of the last few seconds' attempts. */
  recentP95Ms?: number;
  /** 99th percentile of the last few seconds' attempts. */
  recentP99Ms?: number;
  /** Responses so far by HTTP status (`error`: no response: network failure or timeout). */
  statuses?: Record<string, number>;
  /** Requests sent and not yet answered. */
  inflight?: number;
  /** Requests allowed in flight at once. */
  concurrency?: number;
  /** Until when the job's cooldown (a Retry-After, a run of 429s/503s) held sending back (0: it did not). */
  cooldownUntil?: number;
  /** Until when an open circuit breaker held sending back (0: it did not; since schema 8). */
  breakerUntil?: number;
  /** True while a person had paused sending. */
  paused?: boolean;
  /** The rate allowed then, requests per second: the tightest of every limit. */
  rateLimit?: number;
  /** Each cost unit besides requests (since schema 11). */
  units?: UnitUse[];
}

/** The columns of the fields added in schema 5 (and 10, 11), in {@linkcode SnapshotRow}'s order. */
const DETAIL_COLUMNS = `recent_p50_ms, recent_p95_ms, recent_p99_ms, statuses, inflight,
  concurrency, cooldown_until, paused, rate_limit, breaker_until, units`;

function detailArgs(s: SnapshotRow): (number | string | null)[] {
  return [
    s.recentP50Ms ?? null,
    s.recentP95Ms ?? null,
    s.recentP99Ms ?? null,
    s.statuses ? JSON.stringify(s.statuses) : null,
    s.inflight ?? null,
    s.concurrency ?? null,
    s.cooldownUntil ?? null,
    s.paused === undefined ? null : Number(s.paused),
    s.rateLimit ?? null,
    s.breakerUntil ?? null,
    s.units && s.units.length > 0 ? JSON.stringify(s.units) : null,
  ];
}

function snapshotRow(r: Row): SnapshotRow {
  const row: SnapshotRow = {
    at: Number(r[0]),
    done: Number(r[1]),
    failed: Number(r[2]),
    sent: Number(r[3]),
    throttled: Number(r[4]),
    retried: Number(r[5]),
    rate: Number(r[6]),
    p50Ms: r[7] === null ? null : Number(r[7]),
    p95Ms: r[8] === null ? null : Number(r[8]),
  };
  const number = (i: number) => r[i] === null || r[i] === undefined ? undefined : Number(r[i]);
  const numbers = {
    recentP50Ms: number(9),
    recentP95Ms: number(10),
    recentP99Ms: number(11),
    inflight: number(13),
    concurrency: number(14),
    cooldownUntil: number(15),
    rateLimit: number(17),
    breakerUntil: number(18),
  };
  for (const [field, value] of Object.entries(numbers)) {
    if (value !== undefined) row[field as keyof typeof numbers] = value;
  }
  if (typeof r[12] === "string") row.statuses = JSON.parse(r[12]);
  if (r[16] !== null && r[16] !== undefined) row.paused = Number(r[16]) === 1;
  if (typeof r[19] === "string") row.units = JSON.parse(r[19]);
  return row;
}

/** Reads a job's history: what the dashboard needs. */
export interface HistoryReader {
  /** The job's statistics history since `since`, oldest first, at most `limit` points. */
  read(jobId: number, since?: number, limit?: number): Promise<SnapshotRow[]>;
  /** The job's whole history in at most about `points` points, evenly spread. */
  readSpread(jobId: number, points?: number): Promise<SnapshotRow[]>;
}

/**
 * Stores and reads statistics snapshots.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const point = {
 *   at: 1000, done: 1, failed: 0, sent: 1, throttled: 0, retried: 0, rate: 1, p50Ms: 5, p95Ms: null,
 * };
 * await store.history.add(1, point);
 * assert.deepEqual(await store.history.read(1), [point]);
 * store.close();
 * ```
 */
export class HistoryRepository implements HistoryReader {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Stores a point of the job's statistics history (one per `at`). */
  async add(jobId: number, snapshot: SnapshotRow): Promise<void> {
    const s = snapshot;
    await this.#db.execute({
      sql: `INSERT OR REPLACE INTO snapshots
              (job, at, done, failed, sent, throttled, retried, rate, p50_ms, p95_ms,
               ${DETAIL_COLUMNS})
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        jobId,
        s.at,
        s.done,
        s.failed,
        s.sent,
        s.throttled,
        s.retried,
        s.rate,
        s.p50Ms,
        s.p95Ms,
        ...detailArgs(s),
      ],
    }, "save statistics");
  }

  /** The job's statistics history since `since`, oldest first, at most `limit` points. */
  async read(jobId: number, since = 0, limit = 600): Promise<SnapshotRow[]> {
    const rs = await this.#db.execute({
      sql: `SELECT ${SNAPSHOT_COLUMNS} FROM
              (SELECT * FROM snapshots WHERE job = ? AND at >= ? ORDER BY at DESC LIMIT ?)
            ORDER BY at`,
      args: [jobId, since, limit],
    }, "read statistics");
    return rs.rows.map(snapshotRow);
  }

  /**
   * The job's whole history in at most about `points` points, evenly spread
   * (every k-th), the first and the last always kept: the counters are
   * cumulative, so rates over the gaps stay right.
   */
  async readSpread(jobId: number, points = 1000): Promise<SnapshotRow[]> {
    const rs = await this.#db.execute({
      sql: `WITH numbered AS (
              SELECT *, row_number() OVER (ORDER BY at) - 1 AS n, count(*) OVER () AS total
              FROM snapshots WHERE job = ?)
            SELECT ${SNAPSHOT_COLUMNS} FROM numbered
            WHERE n % max(1, (total + ? - 1) / ?) = 0 OR n = total - 1 ORDER BY at`,
      args: [jobId, points, points],
    }, "read statistics");
    return rs.rows.map(snapshotRow);
  }
}
