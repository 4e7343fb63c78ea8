/**
 * Creating or resuming a job: find it by name, check the input against what
 * was imported before, and import new queries in one transaction, so a bad
 * line or a kill leaves the database as it was.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { DuplicateKeys, type DuplicateReport, type ImportRow } from "./duplicate_keys.ts";
import type { InputSource } from "./input.ts";
import { itemKey } from "./item_key.ts";
import { unstorableValue } from "./storable_vars.ts";
import type { JobRow, Store } from "../store/store.ts";
import type { CompiledTemplate, RequestTemplate } from "./template.ts";

/** Page cache of the import transaction, in KiB. */
const IMPORT_CACHE_KIB = 16_384;

/**
 * Throws an {@linkcode InputError} with file, line and field when a query lacks
 * a field the request template uses.
 */
export function checkFields(
  template: CompiledTemplate,
  query: { vars: Record<string, unknown>; line: number },
  file: string,
): void {
  const missing = template.missingField(query.vars);
  if (missing === undefined) return;
  throw new InputError(`query has no field "${missing}" used by the request template`, {
    file,
    line: query.line,
    field: missing,
  });
}

/**
 * Throws an {@linkcode InputError} with file, line and field when a query
 * holds a value the database cannot keep (see `storable_vars.ts`): nesting
 * deeper than libSQL's JSON functions read, or a number JSON cannot write.
 */
export function checkStorable(
  query: { vars: Record<string, unknown>; line: number },
  file: string,
): void {
  const found = unstorableValue(query.vars);
  if (found === undefined) return;
  throw new InputError(found.reason, { file, line: query.line, field: found.field });
}

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
}

/**
 * Finds or creates the job and imports its input.
 *
 * @throws {InputError} On bad input, a value the database cannot hold, a
 * missing template field, or an input that differs from the one the job was imported from (without `append`).
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
      // Only a batch the database skipped rows of costs a read of the kept rows.
      const importBatch = async () => {
        const inserted = await tx.queue.importItems(job.id, rows, now());
        if (inserted < rows.length) {
          duplicates.add(rows, await tx.queue.keptItems(job.id, rows.map((row) => row[1])));
        }
        imported += inserted;
        rows = [];
      };
      for await (const query of input.queries) {
        checkStorable(query, input.file);
        checkFields(template, query, input.file);
        duplicates.note(seq, query.line);
        rows.push([seq++, itemKey(query.vars), JSON.stringify(query.vars)]);
        read++;
        if (rows.length >= batchSize) {
          await importBatch();
          onProgress?.(read);
        }
      }
      if (rows.length > 0) await importBatch();
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
      };
    } finally {
      // Never hides the import's own error; a failed transaction rolls back anyway.
      await tx.cacheSize(undefined).catch(() => {});
    }
  });
}
