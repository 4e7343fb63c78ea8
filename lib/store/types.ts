/**
 * The types of `./store`: the store, its repositories and the rows they
 * hold, a SQL client's results, and the few types of other folders they
 * name. Re-exported by the entry points built on the store (`./job`,
 * `./process`, `./run`), so that their docs link every name they show.
 *
 * @module
 */
export type { StatusView, Store, StoreOptions, StoreView } from "./store.ts";
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
export type {
  QueryOptions,
  SqlClient,
  SqlClientOptions,
  SqlResult,
  SqlRows,
  SqlValue,
} from "./sql_client.ts";
export type { ProcessAnswer, ProcessPlan, TableRows, UserStatement } from "./answer_statements.ts";
export type { FailureClass, FailureGroup } from "./failure_class.ts";
// The types of other folders that rows and repositories name.
export type { RequestTemplate } from "../job/template.ts";
export type { KeptItem } from "../job/duplicate_keys.ts";
export type { BudgetStore } from "../rate/rate_budget.ts";
