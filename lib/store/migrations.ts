/**
 * The database schema and its migrations. Bump by appending to
 * {@linkcode MIGRATIONS}; never edit a migration that has shipped.
 *
 * @module
 */

/**
 * The failure class of a row written before the column existed, from its
 * status and error text as `sluice status` classed them then: the status
 * first (429, other 4xx, 5xx), then the message's prefix.
 */
function classOf(status: string, error: string): string {
  return `CASE WHEN ${status} = 429 THEN 'throttled'
               WHEN ${status} BETWEEN 400 AND 499 THEN 'http_4xx'
               WHEN ${status} BETWEEN 500 AND 599 THEN 'http_5xx'
               WHEN ${error} LIKE 'timeout%' THEN 'timeout'
               WHEN ${error} LIKE 'network%' THEN 'network'
               WHEN ${error} LIKE 'render:%' THEN 'render'
               WHEN ${error} LIKE 'response body over %' THEN 'body_too_large'
               WHEN ${error} LIKE 'more than % redirects%' THEN 'too_many_redirects'
               ELSE 'other' END`;
}

/** Each entry moves the schema from version `index` to `index + 1`. */
export const MIGRATIONS: readonly string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS jobs (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      created INTEGER NOT NULL,
      request TEXT NOT NULL,
      options TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'created',
      idem_prefix TEXT NOT NULL,
      input TEXT,
      imported INTEGER NOT NULL DEFAULT 0,
      next_seq INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS items (
      id INTEGER PRIMARY KEY,
      job INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      key TEXT NOT NULL,
      vars TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0,
      sends INTEGER NOT NULL DEFAULT 0,
      throttled INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL DEFAULT 0,
      lease_owner TEXT,
      lease_until INTEGER,
      last_status INTEGER,
      last_error TEXT,
      possibly_sent INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS items_job_key ON items (job, key)`,
    `CREATE INDEX IF NOT EXISTS items_ready ON items (job, status, next_at)`,
    `CREATE TABLE IF NOT EXISTS responses (
      job INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      item INTEGER NOT NULL,
      attempt INTEGER NOT NULL,
      status INTEGER,
      duration_ms REAL,
      headers TEXT,
      body TEXT,
      url TEXT,
      error TEXT,
      at INTEGER NOT NULL,
      PRIMARY KEY (item, attempt)
    )`,
    `CREATE TABLE IF NOT EXISTS snapshots (
      job INTEGER NOT NULL,
      at INTEGER NOT NULL,
      done INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      sent INTEGER NOT NULL,
      throttled INTEGER NOT NULL,
      retried INTEGER NOT NULL,
      rate REAL NOT NULL,
      p50_ms REAL,
      p95_ms REAL,
      PRIMARY KEY (job, at)
    )`,
    `CREATE TABLE IF NOT EXISTS workers (
      id TEXT PRIMARY KEY,
      job INTEGER NOT NULL,
      host TEXT NOT NULL,
      pid INTEGER NOT NULL,
      started INTEGER NOT NULL,
      heartbeat INTEGER NOT NULL,
      rate_share REAL
    )`,
  ],
  [
    // Usage of long rate windows (a daily budget), per scope and second, kept across runs.
    `CREATE TABLE IF NOT EXISTS rate_usage (
      scope TEXT NOT NULL,
      at INTEGER NOT NULL,
      used INTEGER NOT NULL,
      PRIMARY KEY (scope, at)
    )`,
  ],
  [
    // Counting the possibly-sent items without reading every row: a restart
    // with millions of items counts them before its first request.
    `CREATE INDEX IF NOT EXISTS items_possibly_sent ON items (job) WHERE possibly_sent > 0`,
  ],
  [
    // The class of an attempt's failure (lib/run/failure_class.ts), so that
    // `status`, `retry --status` and the dashboard stop matching message text.
    `ALTER TABLE items ADD COLUMN error_class TEXT`,
    `ALTER TABLE responses ADD COLUMN error_class TEXT`,
    `UPDATE items SET error_class = ${classOf("last_status", "last_error")}
     WHERE last_error IS NOT NULL`,
    `UPDATE responses SET error_class = ${classOf("status", "error")} WHERE error IS NOT NULL`,
  ],
  [
    // The dashboard's charts over a whole run: latency percentiles of the last
    // seconds (p50_ms and p95_ms are since the start), responses by status (JSON,
    // cumulative), requests in flight and allowed, cooldowns, pauses, the rate allowed.
    `ALTER TABLE snapshots ADD COLUMN recent_p50_ms REAL`,
    `ALTER TABLE snapshots ADD COLUMN recent_p95_ms REAL`,
    `ALTER TABLE snapshots ADD COLUMN recent_p99_ms REAL`,
    `ALTER TABLE snapshots ADD COLUMN statuses TEXT`,
    `ALTER TABLE snapshots ADD COLUMN inflight INTEGER`,
    `ALTER TABLE snapshots ADD COLUMN concurrency INTEGER`,
    `ALTER TABLE snapshots ADD COLUMN cooldown_until INTEGER`,
    `ALTER TABLE snapshots ADD COLUMN paused INTEGER`,
    `ALTER TABLE snapshots ADD COLUMN rate_limit REAL`,
  ],
  [
    // Until when every worker of the job holds back: a Retry-After or an open
    // breaker seen by one pauses all (lib/run/lease_keeper.ts).
    `ALTER TABLE jobs ADD COLUMN cooldown_until INTEGER`,
  ],
  [
    // Items each worker finished in its run, for `sluice status` and the dashboard.
    `ALTER TABLE workers ADD COLUMN done INTEGER`,
  ],
  [
    // The input rows an import skipped (--skip-bad-rows), for `sluice status` after the run.
    `CREATE TABLE IF NOT EXISTS skipped_rows (
      job INTEGER NOT NULL,
      file TEXT NOT NULL,
      line INTEGER,
      reason TEXT NOT NULL,
      at INTEGER NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS skipped_rows_job ON skipped_rows (job)`,
  ],
  [
    // A body holding a NUL is kept as a BLOB (lib/util/stored_body.ts): a TEXT
    // is cut at its first NUL where SQLite's text functions and @libsql/client
    // read it. Bodies stored as TEXT before are turned into their whole bytes.
    `UPDATE responses SET body = CAST(body AS BLOB)
     WHERE typeof(body) = 'text' AND instr(CAST(body AS BLOB), x'00') > 0`,
  ],
  [
    // Why the job cools down, beside until when (lib/run/lease_keeper.ts shares both).
    `ALTER TABLE jobs ADD COLUMN cooldown_cause TEXT`,
    // The last run's summary (JSON, lib/store/last_run.ts): status and the dashboard after it.
    `ALTER TABLE jobs ADD COLUMN last_run TEXT`,
    // An open breaker apart from a cooldown, for the charts' shading.
    `ALTER TABLE snapshots ADD COLUMN breaker_until INTEGER`,
    // The items that wait after an answer, grouped by it for `sluice status` without
    // reading the millions never sent yet (lib/store/reports.ts, waitingItems).
    `CREATE INDEX IF NOT EXISTS items_waiting ON items (job, last_status, error_class)
     WHERE status IN ('pending', 'inflight') AND (last_status IS NOT NULL OR last_error IS NOT NULL)`,
  ],
  [
    // Each cost unit's use (JSON: spent, left of its tightest limit, whether one
    // of its limits set the pace), for the dashboard's cost chart.
    `ALTER TABLE snapshots ADD COLUMN units TEXT`,
  ],
  [
    // Follow-up pages (--next): every page of a query is an item of its own,
    // with the query's key and its page number (1 for the query's first
    // request, which every item before this migration is); `next` says how
    // its request differs from the first page's (a URL, a cursor, variables:
    // JSON), `page_end` why a page that named a next one was the last (a
    // loop, --max-pages). A response carries its item's page.
    `ALTER TABLE items ADD COLUMN page INTEGER NOT NULL DEFAULT 1`,
    `ALTER TABLE items ADD COLUMN next TEXT`,
    `ALTER TABLE items ADD COLUMN page_end TEXT`,
    `ALTER TABLE responses ADD COLUMN page INTEGER NOT NULL DEFAULT 1`,
    `DROP INDEX IF EXISTS items_job_key`,
    `CREATE UNIQUE INDEX IF NOT EXISTS items_job_key_page ON items (job, key, page)`,
    // Counting a job's queries (its items of page 1) without reading every row.
    `CREATE INDEX IF NOT EXISTS items_later_pages ON items (job) WHERE page > 1`,
  ],
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
