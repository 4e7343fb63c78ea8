/**
 * Writing attempts' outcomes: the response rows and the items' new states of
 * a batch in one transaction, with few, large statements (JSON arrays
 * expanded by `json_each`) instead of one statement per item.
 *
 * @module
 */
import type { InStatement } from "../deps.ts";
import type { FailureClass } from "../run/failure_class.ts";
import type { Executor } from "./connection.ts";

/** One item's new state after an attempt, written by {@linkcode ResultRepository.write}. */
export interface ItemUpdate {
  /** The item's row id. */
  id: number;
  /** The item's new state. */
  status: "pending" | "done" | "failed";
  /** Attempts so far, not counting throttled ones. */
  attempts: number;
  /** Throttled (429) answers so far. */
  throttled: number;
  /** When a pending item may be sent again (epoch ms). */
  nextAt: number;
  /** This attempt's HTTP status; null without an answer. */
  lastStatus: number | null;
  /** Why this attempt did not end done; null when done. */
  lastError: string | null;
  /** The class of this attempt's failure; null when it ended done or was not sent. */
  errorClass: FailureClass | null;
  /** 1 when the request may have gone out without its answer being recorded. */
  possiblySent: 0 | 1;
  /** 1 when a request was sent (and answered or failed) in this attempt. */
  sent: 0 | 1;
  /** The response row to store with this update, if any. */
  response?: ResponseRow;
}

/** A row of `responses`; its attempt number is the item's count of sends so far. */
export interface ResponseRow {
  /** Position of the query in the input. */
  seq: number;
  /** The answer's HTTP status; null without an answer. */
  status: number | null;
  /** Time from sending to the whole body read. */
  durationMs: number;
  /** The kept response headers, as JSON text. */
  headers: string | null;
  /** The response body; null without one. */
  body: string | null;
  /** The URL that answered, after redirects. */
  url: string | null;
  /** Why the attempt failed; null when it did not. */
  error: string | null;
  /** When it happened (epoch ms). */
  at: number;
}

/** Options for {@linkcode ResultRepository.write}. */
export interface WriteResultsOptions {
  /** Also tell which done and failed updates were applied. @default false */
  confirm?: boolean;
}

/** What {@linkcode ResultRepository.write} did. */
export interface WrittenResults {
  /** Item updates applied (the others' items were no longer leased to the owner). */
  applied: number;
  /** With `confirm`: the ids of the done and failed updates that were applied. */
  finished: ReadonlySet<number> | undefined;
}

/** The one write the result writer needs. */
export interface ResultStore {
  /** Writes a batch of outcomes in one transaction; see {@linkcode ResultRepository.write}. */
  write(
    owner: string,
    jobId: number,
    updates: readonly ItemUpdate[],
    now: number,
    options?: WriteResultsOptions,
  ): Promise<WrittenResults>;
}

/** Batches with at least this many alike outcomes write them as one UPDATE over a list of ids. */
const GROUP_MIN = 16;

/**
 * Writes outcomes of attempts.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", "{}"]], 0);
 * const [item] = await store.queue.claim(job.id, "me", 1, 0, 60_000);
 * const written = await store.results.write("me", job.id, [{
 *   id: item!.id, status: "done", attempts: 1, throttled: 0, nextAt: 0, lastStatus: 200,
 *   lastError: null, errorClass: null, possiblySent: 0, sent: 1,
 * }], 1);
 * assert.equal(written.applied, 1);
 * assert.equal((await store.queue.counts(job.id)).done, 1);
 * store.close();
 * ```
 */
export class ResultRepository implements ResultStore {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /**
   * Writes a batch of outcomes in one transaction: the response rows and the
   * items' new states. Items no longer leased to `owner` are left untouched.
   */
  async write(
    owner: string,
    jobId: number,
    updates: readonly ItemUpdate[],
    now: number,
    options: WriteResultsOptions = {},
  ): Promise<WrittenResults> {
    const { confirm = false } = options;
    const statements: InStatement[] = [];
    const finals = confirm ? updates.filter((u) => u.status !== "pending").map((u) => u.id) : [];
    if (finals.length > 0) {
      // Read first, in the same transaction: which of them are still ours to write.
      statements.push({
        sql: `SELECT json_group_array(id) FROM items
              WHERE id IN (SELECT value FROM json_each(?)) AND status = 'inflight'
                AND lease_owner = ?`,
        args: [JSON.stringify(finals), owner],
      });
    }
    const responses = [];
    for (const u of updates) {
      const r = u.response;
      if (!r) continue;
      responses.push([
        u.id,
        r.seq,
        r.status,
        r.durationMs,
        r.headers,
        r.body,
        r.url,
        r.error,
        u.errorClass,
        r.at,
      ]);
    }
    if (responses.length > 0) {
      statements.push({
        sql: `INSERT INTO responses
                (job, item, seq, attempt, status, duration_ms, headers, body, url, error,
                 error_class, at)
              SELECT ?, j.value ->> 0, j.value ->> 1, items.sends + 1, j.value ->> 2,
                     j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7,
                     j.value ->> 8, j.value ->> 9
              FROM json_each(?) AS j JOIN items ON items.id = j.value ->> 0
              WHERE items.status = 'inflight' AND items.lease_owner = ?`,
        args: [jobId, JSON.stringify(responses), owner],
      });
    }
    const updatesFrom = statements.length;
    statements.push(...stateStatements(owner, updates, now));
    const rs = await this.#db.batch(statements, "write results");
    let applied = 0;
    for (let i = updatesFrom; i < rs.length; i++) applied += rs[i]!.rowsAffected;
    const finished = finals.length > 0
      ? new Set(JSON.parse(String(rs[0]!.rows[0]?.[0] ?? "[]")) as number[])
      : confirm
      ? new Set<number>()
      : undefined;
    return { applied, finished };
  }
}

/** The UPDATEs that set the items' new states and release their leases. */
function stateStatements(
  owner: string,
  updates: readonly ItemUpdate[],
  now: number,
): InStatement[] {
  const statements: InStatement[] = [];
  // Most outcomes of a batch are alike (done, first attempt, 200): such a group
  // is one UPDATE over a list of ids, cheaper per row than one JSON tuple each.
  const groups = new Map<string, number[]>();
  // An update's new state as JSON text: the group key, and the tail of its row below.
  const states = updates.map((u) =>
    JSON.stringify([
      u.status,
      u.attempts,
      u.throttled,
      u.nextAt,
      u.lastStatus,
      u.lastError,
      u.errorClass,
      u.possiblySent,
      u.sent,
    ])
  );
  for (let i = 0; i < updates.length; i++) {
    const ids = groups.get(states[i]!);
    if (ids) ids.push(updates[i]!.id);
    else groups.set(states[i]!, [updates[i]!.id]);
  }
  const grouped = [...groups].filter(([, ids]) => ids.length >= GROUP_MIN)
    .sort((a, b) => b[1].length - a[1].length).slice(0, 3);
  const inGroups = new Set(grouped.flatMap(([, ids]) => ids));
  for (const [key, ids] of grouped) {
    const fields = JSON.parse(key) as (string | number | null)[];
    statements.push({
      sql: `UPDATE items SET status = ?, attempts = ?, throttled = ?, next_at = ?,
              last_status = ?, last_error = ?, error_class = ?,
              possibly_sent = possibly_sent + ?, sends = sends + ?,
              lease_owner = NULL, lease_until = NULL, updated = ?
            WHERE id IN (SELECT value FROM json_each(?))
              AND status = 'inflight' AND lease_owner = ?`,
      args: [...fields.map((f) => f ?? null), now, JSON.stringify(ids), owner],
    });
  }
  // The others one row each, `[id, ...state]`, spliced as text: no second stringify.
  const rest: string[] = [];
  for (let i = 0; i < updates.length; i++) {
    const id = updates[i]!.id;
    if (!inGroups.has(id)) rest.push(`[${id},${states[i]!.slice(1)}`);
  }
  if (rest.length > 0) {
    statements.push({
      sql: `UPDATE items SET status = u.status, attempts = u.attempts, throttled = u.throttled,
            next_at = u.next_at, last_status = u.last_status, last_error = u.last_error,
            error_class = u.error_class,
            possibly_sent = items.possibly_sent + u.possibly_sent, sends = items.sends + u.sent,
            lease_owner = NULL, lease_until = NULL, updated = ?
          FROM (SELECT value ->> 0 AS id, value ->> 1 AS status, value ->> 2 AS attempts,
                       value ->> 3 AS throttled, value ->> 4 AS next_at,
                       value ->> 5 AS last_status, value ->> 6 AS last_error,
                       value ->> 7 AS error_class, value ->> 8 AS possibly_sent,
                       value ->> 9 AS sent
                FROM json_each(?)) AS u
          WHERE items.id = u.id AND items.status = 'inflight' AND items.lease_owner = ?`,
      args: [now, `[${rest.join(",")}]`, owner],
    });
  }
  return statements;
}
