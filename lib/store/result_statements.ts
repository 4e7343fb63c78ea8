/**
 * The statements that write a batch of outcomes: which items are still
 * leased to the writer, their response rows, their new states. Few, large
 * statements (JSON arrays expanded by `json_each`) instead of one per item.
 *
 * @module
 */
import type { InStatement, InValue, ResultSet } from "../deps.ts";
import type { ItemUpdate } from "./item_update.ts";

/** Batches with at least this many alike outcomes write them as one UPDATE over a list of ids. */
const GROUP_MIN = 16;

/** Reads which of `ids` are in flight and leased to `owner`, as one JSON array. */
export function ownedStatement(owner: string, ids: readonly number[]): InStatement {
  return {
    sql: `SELECT json_group_array(id) FROM items
          WHERE id IN (SELECT value FROM json_each(?)) AND status = 'inflight'
            AND lease_owner = ?`,
    args: [JSON.stringify(ids), owner],
  };
}

export function ownedIds(rs: ResultSet): Set<number> {
  return new Set(JSON.parse(String(rs.rows[0]?.[0] ?? "[]")) as number[]);
}

/** The most response rows one INSERT binds (10 arguments each, under SQLite's 32,766). */
const MAX_ROWS = 1024;
/** A response row's arguments: item, seq, status, duration, headers, body, url, error, class, at. */
const ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/** A padding row: its NULL item joins no item, so it inserts nothing. */
const PAD = [null, null, null, null, null, null, null, null, null, null];

/**
 * The INSERTs of the updates' response rows, for the items still leased to
 * `owner`: one per 1,024 rows, none without a response.
 */
export function responseStatements(
  owner: string,
  jobId: number,
  updates: readonly ItemUpdate[],
): InStatement[] {
  const rows: InValue[] = [];
  for (const u of updates) {
    const r = u.response;
    if (!r) continue;
    rows.push(u.id, r.seq, r.status, r.durationMs, r.headers, r.body, r.url, r.error);
    rows.push(u.errorClass, r.at);
  }
  const statements: InStatement[] = [];
  const chunk = MAX_ROWS * PAD.length;
  for (let from = 0; from < rows.length; from += chunk) {
    statements.push(responseInsert(owner, jobId, rows.slice(from, from + chunk)));
  }
  return statements;
}

/**
 * One INSERT of rows bound as arguments (no JSON to write and parse again; a
 * body of bytes binds as a BLOB): 14.5 → 11 µs per small answer, its commit
 * included, measured alone. The rows are padded to a power of two, so that a few
 * statements, prepared once each, serve every size of batch.
 */
function responseInsert(owner: string, jobId: number, values: InValue[]): InStatement {
  const count = values.length / PAD.length;
  const padded = 2 ** Math.ceil(Math.log2(count));
  for (let i = count; i < padded; i++) values.push(...PAD);
  values.unshift(jobId);
  values.push(owner);
  return { sql: responseInsertSql(padded), args: values };
}

const insertSql = new Map<number, string>();

/** The INSERT of `rows` response rows, built once per size. */
function responseInsertSql(rows: number): string {
  let sql = insertSql.get(rows);
  if (sql === undefined) {
    sql = `INSERT INTO responses
            (job, item, seq, page, attempt, status, duration_ms, headers, body, url, error,
             error_class, at)
          SELECT ?, r.column1, r.column2, items.page, items.sends + 1, r.column3, r.column4,
                 r.column5, r.column6, r.column7, r.column8, r.column9, r.column10
          FROM (VALUES ${ROW}${`, ${ROW}`.repeat(rows - 1)}) AS r
          JOIN items ON items.id = r.column1
          WHERE items.status = 'inflight' AND items.lease_owner = ?`;
    insertSql.set(rows, sql);
  }
  return sql;
}

/** The UPDATEs that set the items' new states and release their leases. */
export function stateStatements(
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

/**
 * The statements that add the next pages done updates name, for the items
 * still leased to `owner`: before their states are written (which ends the
 * lease), in the same transaction. A next page that one of its query's pages
 * already has (the same URL, cursor or variables) is not added: that page
 * ends its query, recorded as a `loop`. None for a batch without pages.
 */
export function pageStatements(
  owner: string,
  updates: readonly ItemUpdate[],
  now: number,
): InStatement[] {
  let next: [number, number, string | null][] | undefined;
  let ends: [number, string][] | undefined;
  for (const u of updates) {
    if (u.nextPage === undefined && u.pageEnd === undefined) continue;
    if (u.status !== "done") continue;
    if (u.nextPage) (next ??= []).push([u.id, u.nextPage.page, u.nextPage.request]);
    else (ends ??= []).push([u.id, u.pageEnd!]);
  }
  const statements: InStatement[] = [];
  const leased = `items.status = 'inflight' AND items.lease_owner = ?`;
  if (ends) {
    statements.push({
      sql: `UPDATE items SET page_end = e.value ->> 1 FROM json_each(?) AS e
            WHERE items.id = e.value ->> 0 AND ${leased}`,
      args: [JSON.stringify(ends), owner],
    });
  }
  if (next) {
    const pages = JSON.stringify(next);
    statements.push(
      {
        sql: `UPDATE items SET page_end = 'loop' FROM json_each(?) AS n
              WHERE items.id = n.value ->> 0 AND ${leased} AND n.value ->> 2 IS NOT NULL
                AND EXISTS (SELECT 1 FROM items s WHERE s.job = items.job AND s.key = items.key
                            AND s.next = n.value ->> 2)`,
        args: [pages, owner],
      },
      {
        sql: `INSERT OR IGNORE INTO items (job, seq, key, page, vars, next, updated)
              SELECT items.job, items.seq, items.key, n.value ->> 1, items.vars, n.value ->> 2, ?
              FROM json_each(?) AS n JOIN items ON items.id = n.value ->> 0
              WHERE ${leased} AND items.page_end IS NULL`,
        args: [now, pages, owner],
      },
    );
  }
  return statements;
}
