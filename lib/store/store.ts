/**
 * Every SQL statement sluice runs, behind one class. Parameterised statements
 * only; few, large statements (JSON arrays expanded by `json_each`) instead of
 * one statement per item.
 *
 * @module
 */
import {
  type Client,
  createClient,
  type InStatement,
  type ResultSet,
  type Transaction,
} from "@libsql/client";
import { StoreError } from "../errors.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

/** Options for {@linkcode openStore}. */
export interface StoreOptions {
  /** Token for a libSQL server (`libsql://`, `http://`). @default LIBSQL_AUTH_TOKEN */
  authToken?: string;
}

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
/** SQLite's default page cache: 2,000 KiB. */
const DEFAULT_CACHE = -2000;

/** A row of `jobs`. */
export interface JobRow {
  id: number;
  name: string;
  created: number;
  request: string;
  options: string;
  status: string;
  idemPrefix: string;
  input: string | null;
  imported: boolean;
  nextSeq: number;
}

/** An item handed to a worker by {@linkcode Store.claim}. */
export interface ClaimedItem {
  id: number;
  seq: number;
  key: string;
  vars: string;
  attempts: number;
  throttled: number;
}

/** One item's new state after an attempt, written by {@linkcode Store.writeResults}. */
export interface ItemUpdate {
  id: number;
  status: "pending" | "done" | "failed";
  attempts: number;
  throttled: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
  possiblySent: 0 | 1;
  /** 1 when a request was sent (and answered or failed) in this attempt. */
  sent: 0 | 1;
  /** The response row to store with this update, if any. */
  response?: ResponseRow;
}

/** A row of `responses`; its attempt number is the item's count of sends so far. */
export interface ResponseRow {
  seq: number;
  status: number | null;
  durationMs: number;
  headers: string | null;
  body: string | null;
  url: string | null;
  error: string | null;
  at: number;
}

/** One item with its latest response, as `sluice export` writes it. */
export interface ExportRow {
  seq: number;
  key: string;
  vars: unknown;
  state: string;
  attempts: number;
  error: string | null;
  status: number | null;
  body: string | null;
  url: string | null;
  at: number | null;
  durationMs: number | null;
}

/** A row of `workers`. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  heartbeat: number;
}

/** A point of a job's statistics history (table `snapshots`). */
export interface SnapshotRow {
  at: number;
  done: number;
  failed: number;
  sent: number;
  throttled: number;
  retried: number;
  rate: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** One item and every stored attempt, for the dashboard's item page. */
export interface ItemDetail {
  seq: number;
  key: string;
  vars: string;
  status: string;
  attempts: number;
  throttled: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
  possiblySent: number;
  updated: number;
  responses: {
    attempt: number;
    status: number | null;
    durationMs: number;
    headers: string | null;
    body: string | null;
    url: string | null;
    error: string | null;
    at: number;
  }[];
}

/** Which failed items `sluice retry` puts back. */
export type RequeueFilter = "failed" | "5xx" | "4xx" | "429" | "timeout" | "network";

/** Counts of a job's items by state. */
export interface JobCounts {
  total: number;
  pending: number;
  inflight: number;
  done: number;
  failed: number;
  possiblySent: number;
}

/** Opens (and migrates) a database: `file:sluice.db`, `:memory:`, `libsql://…`, `http://…`. */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const { authToken = Deno.env.get("LIBSQL_AUTH_TOKEN") } = options;
  const local = url === ":memory:" || url.startsWith("file:");
  let client: Client;
  try {
    // `timeout` is the busy timeout of every pooled connection (a PRAGMA reaches only one).
    client = createClient(
      authToken && !local ? { url, authToken } : { url, timeout: BUSY_TIMEOUT_MS },
    );
  } catch (cause) {
    throw new StoreError(`Cannot open database ${url}: ${errorText(cause)}`, { cause });
  }
  const store = new Store(client, url, local);
  await store.migrate();
  return store;
}

/** The database, as sluice uses it. */
export class Store {
  readonly #tx: Transaction | undefined;

  constructor(
    readonly client: Client,
    readonly url: string,
    readonly local: boolean,
    tx?: Transaction,
  ) {
    this.#tx = tx;
  }

  /**
   * Runs `fn` with a store whose statements all belong to one write
   * transaction: committed if `fn` resolves, rolled back if it throws.
   */
  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.#tx) return await fn(this);
    const tx = await this.#run(() => this.client.transaction("write"), "begin a transaction");
    try {
      const result = await fn(new Store(this.client, this.url, this.local, tx));
      await this.#run(() => tx.commit(), "commit");
      return result;
    } catch (error) {
      if (!tx.closed) await tx.rollback().catch(() => {});
      throw error;
    } finally {
      tx.close();
    }
  }

  #execute(statement: InStatement): Promise<ResultSet> {
    return this.#tx ? this.#tx.execute(statement) : this.client.execute(statement);
  }

  #batch(statements: InStatement[]): Promise<ResultSet[]> {
    return this.#tx ? this.#tx.batch(statements) : this.client.batch(statements, "write");
  }

  /** Applies pending migrations and the connection settings. */
  async migrate(): Promise<void> {
    await this.#run(async () => {
      if (this.local) {
        await this.client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
        if (this.url !== ":memory:") await this.#walMode();
        await this.client.execute("PRAGMA synchronous = NORMAL");
        // Checkpoint every ~40 MB of WAL rather than ~4 MB: pages written by many
        // small result batches are copied back once, not once per batch or two.
        await this.client.execute("PRAGMA wal_autocheckpoint = 10000");
      }
      const rs = await this.client.execute("PRAGMA user_version");
      const version = Number(rs.rows[0]?.[0] ?? 0);
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          `Database ${this.url} has schema version ${version}, newer than this sluice (${SCHEMA_VERSION}); upgrade sluice`,
        );
      }
      for (let v = version; v < SCHEMA_VERSION; v++) {
        await this.client.batch(
          [...MIGRATIONS[v]!, `PRAGMA user_version = ${v + 1}`],
          "write",
        );
      }
    }, "migrate");
  }

  /**
   * Switches a file database to WAL. The switch needs the file to itself and
   * fails at once with SQLITE_BUSY (no busy handler) while another process
   * holds a lock, e.g. a second worker starting on a new file: retry within
   * the busy timeout. A database already in WAL needs no switch.
   */
  async #walMode(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let wait = 1;; wait = Math.min(wait * 2, 100)) {
      try {
        const rs = await this.client.execute("PRAGMA journal_mode");
        if (String(rs.rows[0]?.[0]).toLowerCase() === "wal") return;
        await this.client.execute("PRAGMA journal_mode = WAL");
        return;
      } catch (error) {
        if (!/SQLITE_BUSY/.test(String(error)) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Closes the connection. */
  close(): void {
    this.client.close();
  }

  /** Finds a job by name. */
  async findJob(name: string): Promise<JobRow | undefined> {
    const rs = await this.#run(
      () => this.#execute({ sql: "SELECT * FROM jobs WHERE name = ?", args: [name] }),
      "read job",
    );
    const row = rs.rows[0];
    return row ? toJob(row) : undefined;
  }

  /** Lists every job. */
  async listJobs(): Promise<JobRow[]> {
    const rs = await this.#run(() => this.#execute("SELECT * FROM jobs ORDER BY id"), "list");
    return rs.rows.map(toJob);
  }

  /** Creates a job and returns it. */
  async createJob(
    job: { name: string; request: string; options: string; now: number },
  ): Promise<JobRow> {
    await this.#run(() =>
      this.#execute({
        sql: `INSERT INTO jobs (name, created, request, options, idem_prefix, updated)
              VALUES (?, ?, ?, ?, ?, ?)`,
        args: [job.name, job.now, job.request, job.options, crypto.randomUUID(), job.now],
      }), "create job");
    return (await this.findJob(job.name))!;
  }

  /** Updates a job's settings and state. */
  async updateJob(
    id: number,
    fields: Partial<Pick<JobRow, "request" | "options" | "status" | "input" | "imported">>,
    now: number,
  ): Promise<void> {
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [field, value] of Object.entries(fields)) {
      sets.push(`${field} = ?`);
      args.push(typeof value === "boolean" ? Number(value) : value as string | number | null);
    }
    await this.#run(() =>
      this.#execute({
        sql: `UPDATE jobs SET ${sets.join(", ")}, updated = ? WHERE id = ?`,
        args: [...args, now, id],
      }), "update job");
  }

  /**
   * Sets the page cache of this store's connection (a transaction's, inside
   * one) to `kib` KiB; `undefined` puts back SQLite's default. Local files
   * only: a server keeps its own cache.
   */
  async cacheSize(kib: number | undefined): Promise<void> {
    if (!this.local) return;
    await this.#run(
      () => this.#execute(`PRAGMA cache_size = ${kib === undefined ? DEFAULT_CACHE : -kib}`),
      "set the page cache",
    );
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
    const rs = await this.#run(() =>
      this.#batch([
        {
          sql: `INSERT OR IGNORE INTO items (job, seq, key, vars, updated)
                SELECT ?, value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?)`,
          args: [jobId, now, JSON.stringify(rows)],
        },
        {
          sql: "UPDATE jobs SET next_seq = max(next_seq, ?) WHERE id = ?",
          args: [(rows.at(-1)?.[0] ?? -1) + 1, jobId],
        },
      ]), "import");
    return rs[0]!.rowsAffected;
  }

  /** Leases up to `limit` ready items to `owner` until `leaseUntil`. */
  async claim(
    jobId: number,
    owner: string,
    limit: number,
    now: number,
    leaseUntil: number,
  ): Promise<ClaimedItem[]> {
    // One write transaction: the page is read as one JSON row (a row object per
    // item costs more than the claim itself), then the same page is leased. The
    // write lock, held from the start, keeps both statements on the same items.
    const ready = `SELECT id, seq, key, vars, attempts, throttled FROM items INDEXED BY items_ready
                   WHERE job = ? AND status = 'pending' AND next_at <= ?
                   ORDER BY next_at LIMIT ?`;
    const [read, lease] = await this.#run(() =>
      this.#batch([
        {
          sql: `SELECT json_group_array(json_array(id, seq, key, vars, attempts, throttled))
                FROM (${ready})`,
          args: [jobId, now, limit],
        },
        {
          sql: `UPDATE items SET status = 'inflight', lease_owner = ?, lease_until = ?, updated = ?
                WHERE id IN (SELECT id FROM (${ready}))`,
          args: [owner, leaseUntil, now, jobId, now, limit],
        },
      ]), "claim");
    const page = JSON.parse(String(read!.rows[0]?.[0] ?? "[]")) as [
      number,
      number,
      string,
      string,
      number,
      number,
    ][];
    if (page.length !== lease!.rowsAffected) {
      throw new StoreError(
        `Database ${this.url} failed to claim: read ${page.length} items, leased ${
          lease!.rowsAffected
        }`,
      );
    }
    return page.map(([id, seq, key, vars, attempts, throttled]) => ({
      id,
      seq,
      key: String(key),
      vars,
      attempts,
      throttled,
    }));
  }

  /**
   * Writes a batch of outcomes in one transaction: the response rows and the
   * items' new states. Items no longer leased to `owner` are left untouched.
   */
  async writeResults(
    owner: string,
    jobId: number,
    updates: ItemUpdate[],
    now: number,
  ): Promise<number> {
    const responses = updates.filter((u) => u.response).map((u) => {
      const r = u.response!;
      return [u.id, r.seq, r.status, r.durationMs, r.headers, r.body, r.url, r.error, r.at];
    });
    const states = updates.map((u) => [
      u.id,
      u.status,
      u.attempts,
      u.throttled,
      u.nextAt,
      u.lastStatus,
      u.lastError,
      u.possiblySent,
      u.sent,
    ]);
    const statements: InStatement[] = [];
    if (responses.length > 0) {
      statements.push({
        sql: `INSERT INTO responses
                (job, item, seq, attempt, status, duration_ms, headers, body, url, error, at)
              SELECT ?, j.value ->> 0, j.value ->> 1, items.sends + 1, j.value ->> 2, j.value ->> 3,
                     j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8
              FROM json_each(?) AS j JOIN items ON items.id = j.value ->> 0
              WHERE items.status = 'inflight' AND items.lease_owner = ?`,
        args: [jobId, JSON.stringify(responses), owner],
      });
    }
    // Most outcomes of a batch are alike (done, first attempt, 200): such a group
    // is one UPDATE over a list of ids, cheaper per row than one JSON tuple each.
    const groups = new Map<string, number[]>();
    for (const u of updates) {
      const key = JSON.stringify([
        u.status,
        u.attempts,
        u.throttled,
        u.nextAt,
        u.lastStatus,
        u.lastError,
        u.possiblySent,
        u.sent,
      ]);
      const ids = groups.get(key);
      if (ids) ids.push(u.id);
      else groups.set(key, [u.id]);
    }
    const grouped = [...groups].filter(([, ids]) => ids.length >= 16)
      .sort((a, b) => b[1].length - a[1].length).slice(0, 3);
    const inGroups = new Set(grouped.flatMap(([, ids]) => ids));
    for (const [key, ids] of grouped) {
      const [status, attempts, throttled, nextAt, lastStatus, lastError, possiblySent, sent] = JSON
        .parse(key) as (string | number | null)[];
      statements.push({
        sql: `UPDATE items SET status = ?, attempts = ?, throttled = ?, next_at = ?,
                last_status = ?, last_error = ?, possibly_sent = possibly_sent + ?,
                sends = sends + ?, lease_owner = NULL, lease_until = NULL, updated = ?
              WHERE id IN (SELECT value FROM json_each(?))
                AND status = 'inflight' AND lease_owner = ?`,
        args: [
          status ?? null,
          attempts ?? null,
          throttled ?? null,
          nextAt ?? null,
          lastStatus ?? null,
          lastError ?? null,
          possiblySent ?? null,
          sent ?? null,
          now,
          JSON.stringify(ids),
          owner,
        ],
      });
    }
    const rest = inGroups.size === 0 ? states : states.filter((s) => !inGroups.has(s[0] as number));
    if (rest.length > 0) {
      statements.push({
        sql: `UPDATE items SET status = u.status, attempts = u.attempts, throttled = u.throttled,
              next_at = u.next_at, last_status = u.last_status, last_error = u.last_error,
              possibly_sent = items.possibly_sent + u.possibly_sent, sends = items.sends + u.sent,
              lease_owner = NULL, lease_until = NULL, updated = ?
            FROM (SELECT value ->> 0 AS id, value ->> 1 AS status, value ->> 2 AS attempts,
                         value ->> 3 AS throttled, value ->> 4 AS next_at,
                         value ->> 5 AS last_status, value ->> 6 AS last_error,
                         value ->> 7 AS possibly_sent, value ->> 8 AS sent
                  FROM json_each(?)) AS u
            WHERE items.id = u.id AND items.status = 'inflight' AND items.lease_owner = ?`,
        args: [now, JSON.stringify(rest), owner],
      });
    }
    const rs = await this.#run(() => this.#batch(statements), "write results");
    let applied = 0;
    for (let i = responses.length > 0 ? 1 : 0; i < rs.length; i++) applied += rs[i]!.rowsAffected;
    return applied;
  }

  /** Returns every item leased to `owner` to `pending` (a clean stop). */
  async releaseOwner(jobId: number, owner: string, now: number): Promise<number> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `UPDATE items SET status = 'pending', lease_owner = NULL, lease_until = NULL,
                updated = ?
              WHERE job = ? AND status = 'inflight' AND lease_owner = ?`,
        args: [now, jobId, owner],
      }), "release");
    return rs.rowsAffected;
  }

  /** Extends the leases of `owner`'s items. */
  async renewLeases(jobId: number, owner: string, leaseUntil: number): Promise<void> {
    await this.#run(() =>
      this.#execute({
        sql: `UPDATE items SET lease_until = ?
              WHERE job = ? AND status = 'inflight' AND lease_owner = ?`,
        args: [leaseUntil, jobId, owner],
      }), "renew leases");
  }

  /**
   * Returns to `pending` the in-flight items whose lease expired or whose owner
   * is known to be gone, marking them as possibly sent. Returns how many.
   */
  async recoverLeases(jobId: number, now: number, deadOwners: string[]): Promise<number> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `UPDATE items SET status = 'pending', lease_owner = NULL, lease_until = NULL,
                possibly_sent = possibly_sent + 1, updated = ?
              WHERE job = ? AND status = 'inflight'
                AND (lease_until < ? OR lease_owner IN (SELECT value FROM json_each(?)))`,
        args: [now, jobId, now, JSON.stringify(deadOwners)],
      }), "recover leases");
    return rs.rowsAffected;
  }

  /** How much work is left: pending and in-flight counts, and when the next pending item is due. */
  async readiness(
    jobId: number,
  ): Promise<{ pending: number; inflight: number; nextAt: number | undefined }> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `SELECT
                (SELECT count(*) FROM items WHERE job = ? AND status = 'pending'),
                (SELECT count(*) FROM items WHERE job = ? AND status = 'inflight'),
                (SELECT min(next_at) FROM items WHERE job = ? AND status = 'pending')`,
        args: [jobId, jobId, jobId],
      }), "readiness");
    const row = rs.rows[0]!;
    return {
      pending: Number(row[0]),
      inflight: Number(row[1]),
      nextAt: row[2] === null ? undefined : Number(row[2]),
    };
  }

  /** Counts a job's items by state. */
  async counts(jobId: number): Promise<JobCounts> {
    const rs = await this.#run(() =>
      this.#execute({
        // Index only: items_ready for the states, items_possibly_sent for the rest.
        sql: `SELECT status, count(*) FROM items WHERE job = ? GROUP BY status
              UNION ALL
              SELECT NULL, count(*) FROM items WHERE job = ? AND possibly_sent > 0`,
        args: [jobId, jobId],
      }), "count");
    const counts: JobCounts = {
      total: 0,
      pending: 0,
      inflight: 0,
      done: 0,
      failed: 0,
      possiblySent: 0,
    };
    for (const row of rs.rows) {
      const n = Number(row[1]);
      if (row[0] === null) {
        counts.possiblySent = n;
        continue;
      }
      const status = String(row[0]) as "pending" | "inflight" | "done" | "failed";
      if (status in counts) counts[status] = n;
      counts.total += n;
    }
    return counts;
  }

  /** Counts of failed items by their last error class. */
  async failureReasons(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `SELECT coalesce(last_error, 'http ' || last_status), count(*) FROM items
              WHERE job = ? AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 20`,
        args: [jobId],
      }), "count failures");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /**
   * Counts of failed items by class of their last error, named as
   * `sluice retry --status` takes them: 429, 4xx (other), 5xx, timeout,
   * network, and other (bad template, body too big, too many redirects…).
   */
  async failureClasses(jobId: number): Promise<Record<string, number>> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `SELECT CASE WHEN last_status = 429 THEN '429'
                          WHEN last_status BETWEEN 400 AND 499 THEN '4xx'
                          WHEN last_status BETWEEN 500 AND 599 THEN '5xx'
                          WHEN last_error LIKE 'timeout%' THEN 'timeout'
                          WHEN last_error LIKE 'network%' THEN 'network'
                          ELSE 'other' END, count(*)
              FROM items WHERE job = ? AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1`,
        args: [jobId],
      }), "count failure classes");
    return Object.fromEntries(rs.rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  /** Pages through a job's items with their latest response, in input order. */
  async *exportRows(jobId: number, pageSize = 1000): AsyncGenerator<ExportRow> {
    let after = -1;
    while (true) {
      const rs = await this.#run(() =>
        this.#execute({
          sql: `SELECT i.id, i.seq, i.key, i.vars, i.status, i.attempts, i.last_error,
                       coalesce(r.status, i.last_status), r.body, r.url, r.at, r.duration_ms
                FROM items i LEFT JOIN responses r ON r.item = i.id AND r.attempt =
                  (SELECT max(attempt) FROM responses WHERE item = i.id)
                WHERE i.job = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
          args: [jobId, after, pageSize],
        }), "export");
      for (const r of rs.rows) {
        yield {
          seq: Number(r[1]),
          key: String(r[2]),
          vars: JSON.parse(String(r[3])),
          state: String(r[4]),
          attempts: Number(r[5]),
          error: r[6] === null ? null : String(r[6]),
          status: r[7] === null ? null : Number(r[7]),
          body: r[8] === null ? null : String(r[8]),
          url: r[9] === null ? null : String(r[9]),
          at: r[10] === null ? null : Number(r[10]),
          durationMs: r[11] === null ? null : Number(r[11]),
        };
      }
      if (rs.rows.length < pageSize) return;
      after = Number(rs.rows.at(-1)![0]);
    }
  }

  /**
   * Puts failed items back to `pending` with fresh attempt counts. `filter`
   * picks which: every failed item, or by last status class or error kind.
   */
  async requeueFailed(jobId: number, filter: RequeueFilter, now: number): Promise<number> {
    const condition = {
      failed: "1",
      "5xx": "last_status BETWEEN 500 AND 599",
      "4xx": "last_status BETWEEN 400 AND 499 AND last_status <> 429",
      "429": "last_status = 429",
      timeout: "last_error LIKE 'timeout%'",
      network: "last_error LIKE 'network%'",
    }[filter];
    const rs = await this.#run(() =>
      this.#execute({
        sql: `UPDATE items SET status = 'pending', attempts = 0, throttled = 0, next_at = 0,
                updated = ?
              WHERE job = ? AND status = 'failed' AND ${condition}`,
        args: [now, jobId],
      }), "re-queue failed items");
    return rs.rowsAffected;
  }

  /** Records this process as a worker of the job, or refreshes its heartbeat. */
  async heartbeat(worker: { id: string; jobId: number; host: string; pid: number }, now: number) {
    await this.#run(() =>
      this.#execute({
        sql: `INSERT INTO workers (id, job, host, pid, started, heartbeat) VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET heartbeat = excluded.heartbeat`,
        args: [worker.id, worker.jobId, worker.host, worker.pid, now, now],
      }), "heartbeat");
  }

  /** The job's registered workers. */
  async workers(jobId: number): Promise<WorkerRow[]> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: "SELECT id, host, pid, heartbeat FROM workers WHERE job = ?",
        args: [jobId],
      }), "list workers");
    return rs.rows.map((r) => ({
      id: String(r[0]),
      host: String(r[1]),
      pid: Number(r[2]),
      heartbeat: Number(r[3]),
    }));
  }

  /** Removes a worker's registration. */
  async removeWorkers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#run(() =>
      this.#execute({
        sql: "DELETE FROM workers WHERE id IN (SELECT value FROM json_each(?))",
        args: [JSON.stringify(ids)],
      }), "remove workers");
  }

  /** Stores a point of the job's statistics history (one per `at`). */
  async addSnapshot(jobId: number, snapshot: SnapshotRow): Promise<void> {
    const s = snapshot;
    await this.#run(() =>
      this.#execute({
        sql: `INSERT OR REPLACE INTO snapshots
                (job, at, done, failed, sent, throttled, retried, rate, p50_ms, p95_ms)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        ],
      }), "save statistics");
  }

  /** The job's statistics history since `since`, oldest first, at most `limit` points. */
  async snapshots(jobId: number, since = 0, limit = 600): Promise<SnapshotRow[]> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: `SELECT at, done, failed, sent, throttled, retried, rate, p50_ms, p95_ms FROM
                (SELECT * FROM snapshots WHERE job = ? AND at >= ? ORDER BY at DESC LIMIT ?)
              ORDER BY at`,
        args: [jobId, since, limit],
      }), "read statistics");
    return rs.rows.map((r) => ({
      at: Number(r[0]),
      done: Number(r[1]),
      failed: Number(r[2]),
      sent: Number(r[3]),
      throttled: Number(r[4]),
      retried: Number(r[5]),
      rate: Number(r[6]),
      p50Ms: r[7] === null ? null : Number(r[7]),
      p95Ms: r[8] === null ? null : Number(r[8]),
    }));
  }

  /** Failed items, newest first, optionally only those whose last error starts with `reason`. */
  async failedItems(
    jobId: number,
    options: { reason?: string; limit?: number; offset?: number } = {},
  ): Promise<
    {
      key: string;
      seq: number;
      attempts: number;
      lastStatus: number | null;
      lastError: string | null;
      updated: number;
    }[]
  > {
    const { reason = "", limit = 100, offset = 0 } = options;
    const rs = await this.#run(() =>
      this.#execute({
        sql: `SELECT key, seq, attempts, last_status, last_error, updated FROM items
              WHERE job = ? AND status = 'failed'
                AND substr(coalesce(last_error, ''), 1, length(?)) = ?
              ORDER BY updated DESC, id LIMIT ? OFFSET ?`,
        args: [jobId, reason, reason, limit, offset],
      }), "list failed items");
    return rs.rows.map((r) => ({
      key: String(r[0]),
      seq: Number(r[1]),
      attempts: Number(r[2]),
      lastStatus: r[3] === null ? null : Number(r[3]),
      lastError: r[4] === null ? null : String(r[4]),
      updated: Number(r[5]),
    }));
  }

  /** One item by key with every stored response (oldest attempt first). */
  async itemWithResponses(jobId: number, key: string): Promise<ItemDetail | undefined> {
    const rs = await this.#run(() =>
      this.#batch([
        {
          sql: `SELECT id, seq, key, vars, status, attempts, throttled, next_at, last_status,
                       last_error, possibly_sent, updated FROM items WHERE job = ? AND key = ?`,
          args: [jobId, key],
        },
        {
          sql: `SELECT r.attempt, r.status, r.duration_ms, r.headers, r.body, r.url, r.error, r.at
                FROM responses r JOIN items i ON r.item = i.id
                WHERE i.job = ? AND i.key = ? ORDER BY r.attempt`,
          args: [jobId, key],
        },
      ]), "read item");
    const row = rs[0]!.rows[0];
    if (!row) return undefined;
    const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return {
      seq: Number(row[1]),
      key: String(row[2]),
      vars: String(row[3]),
      status: String(row[4]),
      attempts: Number(row[5]),
      throttled: Number(row[6]),
      nextAt: Number(row[7]),
      lastStatus: row[8] === null ? null : Number(row[8]),
      lastError: text(row[9]),
      possiblySent: Number(row[10]),
      updated: Number(row[11]),
      responses: rs[1]!.rows.map((r) => ({
        attempt: Number(r[0]),
        status: r[1] === null ? null : Number(r[1]),
        durationMs: Number(r[2]),
        headers: text(r[3]),
        body: text(r[4]),
        url: text(r[5]),
        error: text(r[6]),
        at: Number(r[7]),
      })),
    };
  }

  async #run<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`Database ${this.url} failed to ${what}: ${errorText(cause)}`, {
        cause,
      });
    }
  }

  /** Rate budget usage of `scope` per bucket, for buckets starting at or after `since`. */
  async budgetUsage(scope: string, since: number): Promise<{ at: number; used: number }[]> {
    const rs = await this.#run(() =>
      this.#execute({
        sql: "SELECT at, used FROM rate_usage WHERE scope = ? AND at >= ? AND used > 0",
        args: [scope, since],
      }), "read rate budget");
    return rs.rows.map((r) => ({ at: Number(r[0]), used: Number(r[1]) }));
  }

  /** Adds `delta` (negative to give back) to a budget bucket; drops buckets before `pruneBefore`. */
  async addBudgetUsage(scope: string, at: number, delta: number, pruneBefore: number) {
    await this.#run(() =>
      this.#batch([
        {
          sql: `INSERT INTO rate_usage (scope, at, used) VALUES (?, ?, max(0, ?))
                ON CONFLICT (scope, at) DO UPDATE SET used = max(0, rate_usage.used + ?)`,
          args: [scope, at, delta, delta],
        },
        { sql: "DELETE FROM rate_usage WHERE scope = ? AND at < ?", args: [scope, pruneBefore] },
      ]), "update rate budget");
  }
}

function toJob(row: Record<string, unknown>): JobRow {
  return {
    id: Number(row.id),
    name: String(row.name),
    created: Number(row.created),
    request: String(row.request),
    options: String(row.options),
    status: String(row.status),
    idemPrefix: String(row.idem_prefix),
    input: row.input === null ? null : String(row.input),
    imported: Number(row.imported) === 1,
    nextSeq: Number(row.next_seq),
  };
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_READONLY|readonly/i.test(message)) {
    return `the database is read-only; check the permissions of the file and its directory (${message})`;
  }
  if (/SQLITE_BUSY|locked/i.test(message)) {
    return `the database is locked; another connection held its write lock longer than the ` +
      `${BUSY_TIMEOUT_MS / 1000} s busy timeout (${message})`;
  }
  if (/SQLITE_FULL|disk is full/i.test(message)) {
    return `the disk is full; free some space (${message})`;
  }
  return message;
}
