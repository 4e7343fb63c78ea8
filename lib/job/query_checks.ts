/**
 * What an import checks in each query before it becomes an item, the same
 * for `run` and for `plan`'s report: a value the database cannot hold
 * (refused at once, `storable_vars.ts`), a field the request template uses
 * that the query lacks (counted; the import is refused at the end, with the
 * count and the first lines), and one whose value is empty (counted and
 * reported: such a query is sent, most likely to fail). With bad rows
 * skipped, the first two kinds are skipped and listed instead.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { BadRows } from "./bad_rows.ts";
import type { QueryRecord } from "./query_record.ts";
import type { CsvHeader } from "./read_csv.ts";
import { unstorableValue } from "./storable_vars.ts";
import type { CompiledTemplate } from "./template.ts";
import { CSV_DELIMITERS } from "./csv_delimiter.ts";

/** Queries with a problem in one of the template's fields. */
export interface FieldTally {
  /** How many queries. */
  count: number;
  /** The fields at fault, in order of first appearance. */
  fields: string[];
  /** The first queries: the line each starts on and its field at fault. */
  first: { line: number; field: string }[];
}

/** What {@linkcode QueryChecks} found. */
export interface QueryCheckReport {
  /** Queries that lack a field the template uses (skipped as bad rows, or the import refused). */
  missing: FieldTally;
  /** Queries whose value of a template field is null or blank (sent all the same). */
  empty: FieldTally;
}

/** The input being checked: its path, CSV header once read, and where skipped rows go. */
export type CheckedInput = { file: string; header?: CsvHeader; badRows?: BadRows };

/** Options for {@linkcode QueryChecks}. */
export interface QueryChecksOptions {
  /**
   * Queries described in each tally's `first`.
   *
   * @default {5}
   */
  keep?: number;
}

const newTally = (): FieldTally => ({ count: 0, fields: [], first: [] });

/** `a`, `b` and `c` as a list of quoted names. */
const quoted = (names: string[]) => names.map((name) => JSON.stringify(name)).join(", ");

/**
 * A hint when a CSV header looks split by the wrong delimiter: a column whose
 * name holds another usual delimiter.
 */
function delimiterHint(header: CsvHeader | undefined): string {
  if (!header) return "";
  const { delimiter, columns } = header;
  const shown = `; the CSV header, split at ${JSON.stringify(delimiter)}, has ` +
    `${columns.length === 1 ? "1 field" : `${columns.length} fields`}: ${quoted(columns)}`;
  const other = CSV_DELIMITERS.find((d) => d !== delimiter && columns.some((c) => c.includes(d)));
  return other === undefined
    ? shown
    : `${shown}. Is the delimiter ${JSON.stringify(other)}? Pass --csv-delimiter '${other}'`;
}

/**
 * Checks each query of an import against the database and the request
 * template; `accept()` says whether to import it.
 *
 * @example Usage
 * ```ts
 * import { QueryChecks } from "./query_checks.ts";
 * import { compileTemplate } from "./template.ts";
 * import assert from "node:assert/strict";
 * const checks = new QueryChecks(compileTemplate({ url: "http://x.test/?q={{q}}" }), { file: "q.jsonl" });
 * assert.equal(checks.accept({ vars: { q: "a" }, line: 1 }), true);
 * assert.equal(checks.accept({ vars: { q: "" }, line: 2 }), true); // sent, but reported
 * assert.equal(checks.accept({ vars: {}, line: 3 }), false);
 * assert.deepEqual(checks.report().empty, { count: 1, fields: ["q"], first: [{ line: 2, field: "q" }] });
 * assert.throws(() => checks.finish(), {
 *   message: 'q.jsonl:3 (field "q"): query has no field "q" used by the request template; ' +
 *     "fix the input, or pass --skip-bad-rows to skip such queries",
 * });
 * ```
 */
export class QueryChecks {
  readonly #template: CompiledTemplate;
  readonly #input: CheckedInput;
  readonly #keep: number;
  readonly #missing = newTally();
  readonly #empty = newTally();

  /** Checks queries for `template`, read from `input`. */
  constructor(template: CompiledTemplate, input: CheckedInput, options: QueryChecksOptions = {}) {
    const { keep = 5 } = options;
    this.#template = template;
    this.#input = input;
    this.#keep = keep;
  }

  /**
   * Checks one query: true to import it, false when it is skipped (as a bad
   * row, or because the import will be refused by {@linkcode finish}).
   *
   * @throws {InputError} For a value the database cannot hold, unless bad rows are skipped.
   */
  accept(query: QueryRecord): boolean {
    const { file, badRows } = this.#input;
    const { line, vars } = query;
    const unstorable = unstorableValue(vars);
    if (unstorable) {
      if (!badRows) {
        throw new InputError(unstorable.reason, { file, line, field: unstorable.field });
      }
      badRows.add({ line, reason: `field "${unstorable.field}": ${unstorable.reason}` });
      return false;
    }
    const missing = this.#template.missingField(vars);
    if (missing !== undefined) {
      this.#note(this.#missing, line, missing);
      badRows?.add({
        line,
        reason: `query has no field "${missing}" used by the request template`,
      });
      return false;
    }
    const empty = this.#template.emptyField(vars);
    if (empty !== undefined) this.#note(this.#empty, line, empty);
    return true;
  }

  #note(tally: FieldTally, line: number, field: string): void {
    tally.count++;
    if (!tally.fields.includes(field)) tally.fields.push(field);
    if (tally.first.length < this.#keep) tally.first.push({ line, field });
  }

  /** What was found so far. */
  report(): QueryCheckReport {
    const copy = (t: FieldTally) => ({ ...t, fields: [...t.fields], first: [...t.first] });
    return { missing: copy(this.#missing), empty: copy(this.#empty) };
  }

  /**
   * Ends the checks: an import where queries lacked a template field (and
   * bad rows are not skipped) is refused, naming the first and counting all.
   *
   * @throws {InputError} With the first such query's file, line and field.
   */
  finish(): void {
    const { file, header, badRows } = this.#input;
    const { count, first } = this.#missing;
    if (count === 0 || badRows) return;
    const { line, field } = first[0]!;
    const others = count === 1
      ? ""
      : `; ${count} queries lack a template field (lines ${first.map((f) => f.line).join(", ")}${
        count > first.length ? ", ..." : ""
      })`;
    throw new InputError(
      `query has no field "${field}" used by the request template${others}${
        delimiterHint(header)
      }; fix the input, or pass --skip-bad-rows to skip such queries`,
      { file, line, field },
    );
  }
}
