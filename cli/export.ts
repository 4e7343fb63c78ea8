/**
 * `sluice export`: one record per item, as JSON lines or CSV.
 *
 * @module
 */
import { EXIT } from "./exit_code.ts";
import { exportTable } from "./export_table.ts";
import { flattenVars } from "./flatten_vars.ts";
import { BOM, csvOutput } from "./csv_output.ts";
import { csvField } from "./format_rows.ts";
import { openExisting } from "./open_existing.ts";
import { openOut } from "./open_out.ts";
import { pickOneJob } from "./pick_jobs.ts";
import { InputError } from "../lib/errors.ts";
import { changesNumbers, parseExactJson } from "../lib/job/exact_json.ts";
import { withoutBom } from "../lib/util/stored_body.ts";

/** Flags of `sluice export`. */
export interface ExportFlags {
  /** The database's URL. */
  db: string;
  /** The job (needed when the database holds several). @default the only job */
  job?: string;
  /** `jsonl` or `csv`. @default "jsonl" */
  format?: string;
  /** Write to this file instead of `output`. @default undefined */
  out?: string;
  /** Export this table or view (of any name) instead of the job's items. @default undefined */
  table?: string;
  /** CSV: keep text that starts like a formula as it is (no `'` prefix). @default false */
  csvRaw?: boolean;
  /** CSV: start with a UTF-8 byte order mark, for spreadsheets that need one. @default false */
  bom?: boolean;
}

/**
 * Writes one record per item (a query's page): key, page, state, final HTTP
 * status, body (in CSV, then a column per query field); or, with `table`,
 * every row of that table. A body that is not text (its bytes are not valid
 * in its charset, or hold a NUL) is written in base64, with `body_encoding`
 * "base64".
 *
 * @throws {InputError} For a format other than jsonl or csv, or no such job.
 *
 * @example Usage
 * ```ts
 * import { exportCommand } from "./export.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(exportCommand({ db: ":memory:", format: "xml" }), /use jsonl or csv/);
 * ```
 */
export async function exportCommand(
  flags: ExportFlags,
  output: { write(p: Uint8Array): Promise<number> } = Deno.stdout,
): Promise<number> {
  const format = flags.format ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") {
    throw new InputError(`Cannot export as '${format}': use jsonl or csv`);
  }
  const csv = csvOutput(format, flags);
  const store = await openExisting(flags.db);
  let file: Deno.FsFile | undefined;
  try {
    file = flags.out ? await openOut(flags.out, flags.db) : undefined;
  } catch (error) {
    store.close();
    throw error;
  }
  const encoder = new TextEncoder();
  let lines: string[] = csv.bom ? [BOM] : [];
  const write = async (force = false) => {
    if (!force && lines.length < 1000) return;
    const text = lines.join("");
    lines = [];
    if (file) await file.write(encoder.encode(text));
    else await output.write(encoder.encode(text));
  };
  try {
    if (flags.table !== undefined) {
      await exportTable(flags.db, flags.table, format, (text) => {
        lines.push(text);
        return write(true);
      }, csv);
      return EXIT.ok;
    }
    const job = await pickOneJob(store, flags.job);
    // CSV has a column per query field (vars.q, vars.filter.lang...), after the item's own.
    const fields = format === "csv" ? await store.tables.queryFields(job.id) : [];
    if (format === "csv") {
      lines.push(
        [
          "key,page,seq,state,status,attempts,error,url,body,body_encoding",
          ...fields.map((f) => csvField(`vars.${f}`, csv)),
        ]
          .join(",") + "\n",
      );
    }
    for await (const row of store.reports.exportRows(job.id)) {
      if (format === "jsonl") {
        lines.push(
          JSON.stringify({
            key: row.key,
            page: row.page,
            seq: row.seq,
            state: row.state,
            status: row.status,
            attempts: row.attempts,
            error: row.error,
            url: row.url,
            vars: row.vars,
            ...jsonBody(row.body),
          }) + "\n",
        );
      } else {
        lines.push(
          [
            row.key,
            row.page,
            row.seq,
            row.state,
            row.status,
            row.attempts,
            row.error,
            row.url,
            row.body instanceof Uint8Array ? row.body.toBase64() : row.body,
            row.body instanceof Uint8Array ? "base64" : null,
            ...flattenVars(row.vars, fields),
          ].map((value) => csvField(value, csv)).join(",") + "\n",
        );
      }
      await write();
    }
    await write(true);
    return EXIT.ok;
  } finally {
    file?.close();
    store.close();
  }
}

/**
 * The `body` of a JSON line: parsed when it is JSON (exactly: an id beyond
 * 2^53 in an answer is exported as the server wrote it), else its text, as
 * it is when a number in it is beyond what a double holds (1e400, 1e-400); bytes
 * that are not text in base64, marked by `body_encoding`.
 */
function jsonBody(body: string | Uint8Array | null): { body: unknown; body_encoding?: "base64" } {
  if (body instanceof Uint8Array) return { body: body.toBase64(), body_encoding: "base64" };
  if (body === null) return { body };
  try {
    const text = withoutBom(body);
    const parsed = parseExactJson(text);
    // A number JSON cannot carry (1e400: Infinity, written null; 1e-400: 0): the text as received.
    return { body: changesNumbers(text) ? body : parsed };
  } catch {
    return { body }; // not JSON: kept as text
  }
}
