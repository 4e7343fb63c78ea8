/**
 * The database as sluice uses it: one repository per concern over one
 * connection, and the narrow views handed to the parts that need less.
 * Every SQL statement sluice runs lives in this folder; parameterised
 * statements only; rows come out typed, JSON columns parsed.
 *
 * @module
 */
import { type Connection, type Executor, openConnection } from "./connection.ts";
import { BudgetRepository } from "./budget.ts";
import { type HistoryReader, HistoryRepository } from "./history.ts";
import { type JobReader, JobRepository } from "./jobs.ts";
import { LeaseRepository } from "./leases.ts";
import { type JobCounts, QueueRepository } from "./queue.ts";
import { type ReportReader, ReportRepository } from "./reports.ts";
import { ResultRepository } from "./results.ts";
import { SkippedRowRepository } from "./skipped_rows.ts";
import { UserTableRepository } from "./user_tables.ts";
import { WorkerRepository } from "./workers.ts";

export { BUSY_TIMEOUT_MS } from "./connection.ts";
export type { JobChanges, JobReader, JobRow, NewJob } from "./jobs.ts";
export type { ClaimedItem, JobCounts, Readiness, RequeueFilter } from "./queue.ts";
export type {
  ItemUpdate,
  ResponseRow,
  ResultStore,
  WriteResultsOptions,
  WrittenResults,
} from "./results.ts";
export type { WorkerInfo, WorkerRow } from "./workers.ts";
export type { HistoryReader, SnapshotRow, UnitUse } from "./history.ts";
export type {
  AttemptRow,
  ExportRow,
  FailedItem,
  FailedItemsOptions,
  ItemDetail,
  ReportReader,
  WaitingGroup,
} from "./reports.ts";

/** Options for {@linkcode openStore}. */
export interface StoreOptions {
  /** Token for a libSQL server (`libsql://`, `http://`). @default LIBSQL_AUTH_TOKEN */
  authToken?: string;
}

/**
 * What a script reads a job's results with: its jobs, their counts and
 * every item with its latest answer; nothing that writes.
 */
export interface StoreView {
  /** The database's URL. */
  readonly url: string;
  /** Jobs by name, or all of them. */
  readonly jobs: JobReader;
  /** Counts of a job's items by state. */
  readonly queue: { counts(jobId: number): Promise<JobCounts> };
  /** A job's items with their latest answers, in input order. */
  readonly reports: ReportReader;
  /** Closes the connection. */
  close(): void;
}

/**
 * What `sluice status` and the dashboard read: the {@linkcode StoreView}
 * and statistics history, failures, one item's attempts, workers.
 */
export interface StatusView extends StoreView {
  /** Statistics history. */
  readonly history: HistoryReader;
  /** Failures, export, failed items, one item's attempts. */
  readonly reports: ReportRepository;
  /** A job's workers, their heartbeats and rate shares. */
  readonly workers: Pick<WorkerRepository, "list" | "rateShares" | "progress">;
}

/**
 * Opens (and migrates) a database: `file:sluice.db`, `:memory:`, `libsql://…`, `http://…`.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * assert.equal((await store.queue.counts(job.id)).total, 0);
 * store.close();
 * ```
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  return new Store(await openConnection(url, options));
}

/** The database, as one repository per concern. */
export class Store implements StatusView {
  readonly #connection: Connection;
  readonly #tx: Executor | undefined;
  /** The database's URL. */
  readonly url: string;
  /** True for a file or `:memory:` (not a libSQL server). */
  readonly local: boolean;
  /** Jobs: find, list, create, update. */
  readonly jobs: JobRepository;
  /** Items as a queue: import, claim, readiness, counts, re-queue. */
  readonly queue: QueueRepository;
  /** Outcomes of attempts: response rows and items' new states. */
  readonly results: ResultRepository;
  /** The user's own tables: --schema, --into checks, processing stored answers again. */
  readonly tables: UserTableRepository;
  /** Leases on claimed items: release, renew, recover. */
  readonly leases: LeaseRepository;
  /** Worker registrations and heartbeats. */
  readonly workers: WorkerRepository;
  /** Statistics snapshots. */
  readonly history: HistoryRepository;
  /** Read-only reports: failures, export, failed items, one item. */
  readonly reports: ReportRepository;
  /** Usage of long rate windows (a daily budget). */
  readonly budget: BudgetRepository;
  /**
   * The input rows a job's imports skipped (`--skip-bad-rows`).
   *
   * @ignore
   */
  readonly skippedRows: SkippedRowRepository;

  /** Repositories over `connection`, or over one of its transactions with `tx`. */
  constructor(connection: Connection, tx?: Executor) {
    const db = tx ?? connection;
    this.#connection = connection;
    this.#tx = tx;
    this.url = connection.url;
    this.local = connection.local;
    this.jobs = new JobRepository(db);
    this.queue = new QueueRepository(db);
    this.results = new ResultRepository(db);
    this.tables = new UserTableRepository(db);
    this.leases = new LeaseRepository(db);
    this.workers = new WorkerRepository(db);
    this.history = new HistoryRepository(db);
    this.reports = new ReportRepository(db);
    this.budget = new BudgetRepository(db);
    this.skippedRows = new SkippedRowRepository(db);
  }

  /**
   * Runs `fn` with a store whose statements all belong to one write
   * transaction: committed if `fn` resolves, rolled back if it throws.
   */
  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    if (this.#tx) return await fn(this);
    return await this.#connection.transaction((tx) => fn(new Store(this.#connection, tx)));
  }

  /**
   * Sets the page cache of this store's connection (a transaction's, inside
   * one) to `kib` KiB; `undefined` puts back SQLite's default. Local files
   * only: a server keeps its own cache.
   */
  async cacheSize(kib: number | undefined): Promise<void> {
    await this.#connection.cacheSize(kib, this.#tx);
  }

  /** Closes the connection. */
  close(): void {
    this.#connection.close();
  }
}
