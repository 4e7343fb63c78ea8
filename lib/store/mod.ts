/**
 * sluice's store, for scripts that read or write a job's database
 * themselves: {@linkcode openStore}, its repositories (jobs, queue, results,
 * leases, workers, history, reports, budget, the user's tables), the rows
 * they hold, and a client for the user's own SQL ({@linkcode openSqlClient}).
 * {@linkcode StoreView} is the read-only part a script reads results with
 * (what the main entry's `openStore` returns); {@linkcode StatusView} adds
 * what `sluice status` and the dashboard read.
 *
 * @example Read a job's counts
 * ```ts
 * import { openStore } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "http://x/" }, options: {}, now: 0 });
 * assert.equal((await store.queue.counts(job.id)).total, 0);
 * store.close();
 * ```
 *
 * @module
 */
export { openStore, type StatusView, Store, type StoreOptions, type StoreView } from "./store.ts";
export type {
  AttemptRow,
  ClaimedItem,
  ExportRow,
  FailedItem,
  FailedItemsOptions,
  HistoryReader,
  ItemDetail,
  ItemUpdate,
  JobChanges,
  JobCounts,
  JobReader,
  JobRow,
  NewJob,
  Readiness,
  ReportReader,
  RequeueFilter,
  ResponseRow,
  ResultStore,
  SnapshotRow,
  UnitUse,
  WorkerInfo,
  WorkerRow,
  WriteResultsOptions,
  WrittenResults,
} from "./store.ts";
export type { BudgetRepository } from "./budget.ts";
export type { HistoryRepository } from "./history.ts";
export type { JobRepository } from "./jobs.ts";
export type { LeaseRepository } from "./leases.ts";
export type { QueueRepository } from "./queue.ts";
export type { ReportRepository } from "./reports.ts";
export type { ResultRepository } from "./results.ts";
export type { WorkerProgress, WorkerRepository } from "./workers.ts";
export type {
  RefusedStatement,
  Reprocessed,
  StoredAnswer,
  UserTableRepository,
} from "./user_tables.ts";
export type { AnswerProcessing } from "./item_update.ts";
export {
  openSqlClient,
  type QueryOptions,
  SqlClient,
  type SqlClientOptions,
  type SqlResult,
  type SqlRows,
  type SqlValue,
} from "./sql_client.ts";
export type { ProcessAnswer, ProcessPlan, TableRows, UserStatement } from "./answer_statements.ts";

export type { FailureClass, FailureGroup } from "./failure_class.ts";
// The types of other folders that rows and repositories name.
export type { RequestTemplate } from "../job/template.ts";
export type { KeptItem } from "../job/duplicate_keys.ts";
export type { BudgetStore } from "../rate/rate_budget.ts";
