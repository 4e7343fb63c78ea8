/**
 * Creating or resuming a job: find it by name, check the input against what
 * was imported before, and import new queries in one transaction, so a bad
 * line or a kill leaves the database as it was.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { BadRow } from "./bad_rows.ts";
import { DuplicateKeys, type DuplicateReport, type ImportRow } from "./duplicate_keys.ts";
import type { InputSource } from "./input.ts";
import { itemKey } from "./item_key.ts";
import { type QueryCheckReport, QueryChecks } from "./query_checks.ts";
import type { JobRow, Store } from "../store/store.ts";
import type { CompiledTemplate, RequestTemplate } from "./template.ts";

/** What a query's own check found wrong with it. @ignore */
export interface QueryProblem {
  /** Why, in the project's error style. */
  reason: string;
  /** The query field at fault, when one is. */
  field?: string;
}

/**
 * Whether `query` passes `check`: a problem is a bad row when the input
 * skips them, else the import's end, with the file and line.
 */
function passes(
  check: PrepareJobOptions["checkQuery"],
  query: { vars: Record<string, unknown>; line: number },
  input: InputSource,
): boolean {
  const problem = check?.(query.vars);
  if (!problem) return true;
  const { reason, field } = problem;
  if (!input.badRows) {
    throw new InputError(reason, {
      file: input.file,
      line: query.line,
      ...(field ? { field } : {}),
    });
  }
  input.badRows.add({ line: query.line, reason: field ? `field "${field}": ${reason}` : reason });
  return false;
}

/** Page cache of the import transaction, in KiB. */
const IMPORT_CACHE_KIB = 16_384;

/** Options for {@linkcode prepareJob}. */
export interface PrepareJobOptions {
  /** The job's name (unique in the database). */
  name: string;
  /** The queries to import; omit to resume a job that exists. */
  input?: InputSource;
  /** Identifies the input's content (path, size, mtime); `undefined` for stdin. */
  inputId?: string;
  /** The request template, stored with the job (placeholders only, never secrets). */
  request: RequestTemplate;
  /** Run options stored with the job, for `status` and resume. @default {} */
  options?: Record<string, unknown>;
  /** Add the queries of a different input to an existing job. @default false */
  append?: boolean;
  /** Rows per INSERT statement (one statement parse per batch, so not too few). @default 5000 */
  batchSize?: number;
  /** Called every batch with the queries read so far. */
  onProgress?: (read: number) => void;
  /**
   * Checks each query beyond the template's fields (its `--cost`, say): what
   * is wrong with it (and the field at fault), or undefined. A query with a
   * problem refuses the import with its line, or is skipped as a bad row.
   *
   * @default {undefined}
   * @ignore
   */
  checkQuery?: (vars: Record<string, unknown>) => QueryProblem | undefined;
  /** Source of time. @default Date.now */
  now?: () => number;
}

/** What {@linkcode prepareJob} did. */
export interface PreparedJob {
  /** The job, created or found. */
  job: JobRow;
  /** True when the job existed before. */
  resumed: boolean;
  /** Queries read from the input. */
  read: number;
  /** Items added to the job (read minus keys already present). */
  imported: number;
  /**
   * Queries skipped because the job already had their key, and the first
   * ones whose variables differ from the kept query's (with their lines).
   */
  duplicates: DuplicateReport;
  /**
   * Queries that lacked a template field (skipped as bad rows) or held an empty one (sent).
   *
   * @ignore
   */
  checks: QueryCheckReport;
  /**
   * Rows the import skipped (`skipBadRows`): how many, and the first few.
   *
   * @ignore
   */
  badRows: { count: number; first: readonly BadRow[] };
}

/**
 * Finds or creates the job and imports its input.
 *
 * @throws {InputError} On bad input, a value the database cannot hold or
 * queries lacking a template field (unless the input skips bad rows, see
 * `openInput`'s `skipBadRows`), or an input that differs from the one the job was imported from (without `append`).
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { prepareJob } from "./prepare_job.ts";
 * import { compileTemplate } from "./template.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const request = { url: "http://127.0.0.1:8080/search?q={{q}}" };
 * async function* queries() {
 *   yield { vars: { q: "a" }, line: 1 };
 *   yield { vars: { q: "b" }, line: 2 };
 * }
 * const input = { file: "q.jsonl", format: "jsonl" as const, settings: {}, queries: queries() };
 * const prepared = await prepareJob(store, compileTemplate(request), { name: "demo", input, request });
 * assert.equal(prepared.imported, 2);
 * store.close();
 * ```
 */
export async function prepareJob(
  store: Store,
  template: CompiledTemplate,
  options: PrepareJobOptions,
): Promise<PreparedJob> {
  const {
    name,
    input,
    inputId,
    request,
    options: runOptions = {},
    append = false,
    batchSize = 5000,
    onProgress,
    checkQuery,
    now = Date.now,
  } = options;
  const existing = await store.jobs.find(name);
  const settings = { request, options: runOptions };

  if (existing && (!input || (existing.imported && inputId && existing.input === inputId))) {
    await store.jobs.update(existing.id, settings, now());
    return {
      job: (await store.jobs.find(name))!,
      resumed: true,
      read: 0,
      imported: 0,
      duplicates: new DuplicateKeys().report(),
      checks: new QueryChecks(template, { file: "" }).report(),
      badRows: { count: 0, first: [] },
    };
  }
  if (!input) {
    throw new InputError(`No input given and no job named "${name}" in ${store.url}`);
  }
  if (existing?.imported && !append) {
    throw new InputError(
      `Job "${name}" was imported from a different input (${existing.input ?? "stdin"}); ` +
        `pass --append to add these queries to it, or --job NAME to start a new job`,
      { file: input.file },
    );
  }

  return await store.transaction(async (tx) => {
    // An import inserts keys in hash order all over the (job, key) index: with
    // SQLite's 2 MB cache each page is re-read and spilled through the kernel.
    // 16 MiB (measured, 1M queries: 19.8 s → 15.1 s, system time 8.2 s → 3.4 s)
    // for the import only, so that a run's memory stays what it was.
    await tx.cacheSize(IMPORT_CACHE_KIB);
    try {
      const job = existing ?? await tx.jobs.create({ name, ...settings, now: now() });
      let seq = job.nextSeq;
      let read = 0;
      let imported = 0;
      let rows: ImportRow[] = [];
      const duplicates = new DuplicateKeys();
      const checks = new QueryChecks(template, input);
      const { badRows } = input;
      // Only a batch the database skipped rows of costs a read of the kept rows.
      const importBatch = async () => {
        if (badRows) await tx.skippedRows.add(job.id, input.file, badRows.take(), now());
        if (rows.length === 0) return;
        const inserted = await tx.queue.importItems(job.id, rows, now());
        if (inserted < rows.length) {
          duplicates.add(rows, await tx.queue.keptItems(job.id, rows.map((row) => row[1])));
        }
        imported += inserted;
        rows = [];
      };
      for await (const query of input.queries) {
        if (!checks.accept(query) || !passes(checkQuery, query, input)) continue;
        duplicates.note(seq, query.line);
        rows.push([seq++, itemKey(query.vars), JSON.stringify(query.vars)]);
        read++;
        if (rows.length >= batchSize) {
          await importBatch();
          onProgress?.(read);
        }
      }
      checks.finish(); // queries that lacked a template field: refused, rolled back
      await importBatch();
      onProgress?.(read);
      await tx.jobs.update(job.id, {
        ...settings,
        input: inputId ?? existing?.input ?? null,
        imported: true,
      }, now());
      return {
        job: (await tx.jobs.find(name))!,
        resumed: existing !== undefined,
        read,
        imported,
        duplicates: duplicates.report(),
        checks: checks.report(),
        badRows: { count: badRows?.count ?? 0, first: badRows?.first ?? [] },
      };
    } finally {
      // Never hides the import's own error; a failed transaction rolls back anyway.
      await tx.cacheSize(undefined).catch(() => {});
    }
  });
}
