/**
 * `sluice plan`: a dry run. Reads the whole input as `run` would import it
 * and prints the first rendered requests, then a report: the queries, the
 * duplicate keys (with their lines), the queries whose template fields are
 * missing or empty, the rows `--skip-bad-rows` would skip, the hosts the
 * requests go to and the estimated duration. Sends nothing, writes no
 * database. Exit code 2 when `run` would refuse the input.
 *
 * @module
 */
import { asInputError } from "../lib/util/as_input_error.ts";
import { checkEnv } from "../lib/job/check_env.ts";
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { at, emptyFieldsLine, plural, skippedRowsLines } from "./import_warnings.ts";
import type { InputFlags } from "./input_options.ts";
import { openQueries } from "./open_queries.ts";
import { resolveRunConfig, type RunFlags } from "./run_config.ts";

import { InputError } from "../lib/errors.ts";
import { DuplicateLines, type DuplicateLinesReport } from "../lib/job/duplicate_lines.ts";
import type { InputSource } from "../lib/job/input.ts";
import { itemKey } from "../lib/job/item_key.ts";
import { type QueryCheckReport, QueryChecks } from "../lib/job/query_checks.ts";
import { checkHeaderValue } from "../lib/job/compile_headers.ts";
import { compileTemplate } from "../lib/job/template.ts";
import { compileCost } from "../lib/job/item_cost.ts";
import { describeNextSpec, parseNextSpec } from "../lib/job/next_spec.ts";
import {
  burstOf,
  type BurstSpec,
  formatRate,
  type RateSpec,
  REQUESTS,
} from "../lib/rate/rate_spec.ts";
import { checkPages } from "../lib/run/check_pages.ts";
import type { RunJobOptions } from "../lib/run/run_job.ts";
import { leastDuration } from "./least_duration.ts";
import { formatDuration } from "../lib/util/units.ts";

/** Flags of `sluice plan`. */
export interface PlanFlags extends RunFlags, InputFlags {
  /** The input's format. @default "auto" (from the file name) */
  format?: "auto" | "json" | "jsonl" | "csv";
  /** How many rendered requests to print. @default "3" */
  show?: string;
}

/** Distinct hosts listed at most; more are counted. */
const MAX_HOSTS = 1000;

/** The hosts of the requests: the template's own, unless a query field sets it. */
class Hosts {
  readonly #fixed: string | undefined;
  readonly #seen = new Set<string>();
  #more = false;

  constructor(url: string) {
    // Scheme and authority without a field placeholder: one host for every request.
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0];
    if (authority !== undefined && !/\{\{(?!\s*env\.)/.test(authority)) {
      this.#fixed = hostOf(authority.replace(/\{\{\s*env\.(\w+)\s*\}\}/g, "<env.$1>"));
    }
  }

  note(url: () => string): void {
    if (this.#fixed !== undefined) return;
    if (this.#seen.size >= MAX_HOSTS) {
      this.#more = true;
      return;
    }
    this.#seen.add(hostOf(url()));
  }

  get list(): string[] {
    return this.#fixed !== undefined ? [this.#fixed] : [...this.#seen];
  }

  get more(): boolean {
    return this.#more;
  }
}

/** The host of a rendered URL, or what stands for it when it does not parse. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? url;
  }
}

/** What the report says, from everything read. */
interface Findings {
  source: InputSource;
  read: number;
  duplicates: DuplicateLinesReport;
  checks: QueryCheckReport;
  hosts: Hosts;
  /** The total `--cost` of the distinct queries, by unit. */
  costs: ReadonlyMap<string, number>;
}

/** The report's lines, after the requests shown. */
function reportLines(
  found: Findings,
  rate: RateSpec,
  options: { concurrency?: number | undefined; burst?: BurstSpec | undefined },
): string[] {
  const { source, read, duplicates, checks, hosts, costs } = found;
  const { concurrency, burst } = options;
  const { file } = source;
  const csv = source.header ? `, delimiter ${JSON.stringify(source.header.delimiter)}` : "";
  const keys = read - duplicates.count;
  const lines = [
    `${plural(read, "query", "queries")} in ${file} (${source.format}${csv}), ` +
    `${plural(keys, "distinct key")}`,
  ];
  if (duplicates.count > 0) {
    const shown = duplicates.first.map((d) =>
      `${at(file, d.line)} key ${JSON.stringify(d.key)} (first: line ${d.firstLine}${
        d.differs ? ", fields differ" : ""
      })`
    );
    lines.push(
      `  ${
        plural(duplicates.count, "duplicate key")
      }, skipped by run (${duplicates.differing} with other ` +
        `fields): ${shown.join(", ")}${duplicates.count > shown.length ? ", ..." : ""}`,
    );
  }
  if (!duplicates.complete) lines.push("  (duplicates checked among the first 2,000,000 keys)");
  const { missing } = checks;
  if (missing.count > 0) {
    const fields = missing.fields.map((f) => JSON.stringify(f)).join(", ");
    const where = missing.first.map((f) => at(file, f.line)).join(", ");
    lines.push(
      `  ${
        plural(missing.count, "query lacks", "queries lack")
      } a field the request template uses (${fields}): ${where}` +
        `${missing.count > missing.first.length ? ", ..." : ""}; ` +
        (source.badRows ? "skipped by --skip-bad-rows" : "run refuses the input"),
    );
  }
  const empty = emptyFieldsLine(checks.empty, file);
  if (empty) lines.push(`  ${empty}`);
  const bad = source.badRows;
  const skipped = bad ? bad.first.map((row) => ({ ...row, file })) : [];
  lines.push(
    ...skippedRowsLines(bad?.count ?? 0, skipped, "fix the input to see them all").map(
      (line) => `  ${line}`,
    ),
  );
  const hostList = hosts.list;
  lines.push(
    `  ${hostList.length === 1 ? "host" : `${hostList.length} hosts`}: ${
      hostList.slice(0, 10).join(", ")
    }${hostList.length > 10 || hosts.more ? ", ..." : ""}`,
  );
  const least = rate.kind === "auto" ? 0 : Math.max(
    leastDuration(rate.kind === "windows" ? rate.windows : [], keys, burstOf(burst, REQUESTS)),
    ...[...costs].map(([unit, total]) =>
      leastDuration(rate.units?.[unit] ?? [], total, burstOf(burst, unit))
    ),
  );
  lines.push(
    `  rate ${formatRate(rate)}, concurrency ${concurrency}` +
      (least > 0 ? `; at least ${formatDuration(least)} at full rate` : ""),
  );
  return lines;
}

/** How further pages of each query will be found (`--next`), or undefined without. */
function pagesLine(options: RunJobOptions): string | undefined {
  const { next, maxPages, nextCrossOrigin } = options;
  if (typeof next !== "string") return undefined;
  return `  further pages (--next ${next}): ${describeNextSpec(parseNextSpec(next, "--next"))}, ` +
    `at most ${maxPages} per query${nextCrossOrigin ? "" : ", on the same origin"}; ` +
    "the duration above is for the first pages";
}

/**
 * Reads the input as `run` would import it, prints the first rendered
 * requests (secrets masked) and the report; sends nothing.
 *
 * @returns The exit code: 0, or 2 when `run` would refuse the input.
 * @throws {InputError} For bad input, located by file, line and field; for
 * queries lacking a template field, after the report is printed.
 *
 * @example Usage
 * ```ts
 * import { planCommand } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const file = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(file, '{"q":"a"}\n{"q":"b"}\n');
 * const lines: string[] = [];
 * const io = { log: (line: string) => lines.push(line), error: () => {} };
 * await planCommand(file, { url: "http://127.0.0.1:1/s?q={{q}}", show: "1" }, io);
 * assert.deepEqual(lines.slice(0, 2), ["GET http://127.0.0.1:1/s?q=a", ""]);
 * assert.equal(lines[2], `2 queries in ${file} (jsonl), 2 distinct keys`);
 * await Deno.remove(file);
 * ```
 */
export async function planCommand(input: string, flags: PlanFlags, io: Console): Promise<number> {
  const source = await openQueries(input, flags);
  const config = resolveRunConfig(flags, source.settings);
  const template = asInputError(() => compileTemplate(config.request));
  checkPages(template, config.options);
  try {
    checkEnv(template);
  } catch (error) {
    // A dry run shows the requests anyway, with the secret masked; `run` would refuse.
    if (!(error instanceof InputError)) throw error;
    io.error(`sluice: note: ${error.message}; run would refuse to start`);
  }
  const show = Number(flags.show ?? 3);
  const masked = (name: string) =>
    `<env.${name}${Deno.env.get(name) === undefined ? " unset" : ""}>`;
  const checks = new QueryChecks(template, source);
  const duplicates = new DuplicateLines();
  const hosts = new Hosts(config.request.url);
  const requests: string[] = [];
  let read = 0;
  const cost = typeof config.options.cost === "string"
    ? compileCost(config.options.cost)
    : undefined;
  const costs = new Map<string, number>();
  for await (const query of source.queries) {
    if (!checks.accept(query)) continue;
    const before = cost ? duplicates.report().count : 0;
    duplicates.note(itemKey(query.vars), query.vars, query.line);
    if (cost && duplicates.report().count === before) {
      try {
        for (const [unit, n] of Object.entries(cost.of(query.vars))) {
          costs.set(unit, (costs.get(unit) ?? 0) + n);
        }
      } catch {
        // A cost that renders no number: run refuses the query, plan counts none.
      }
    }
    const render = () => template.render(query.vars, masked, { validate: false });
    try {
      hosts.note(() => render().url);
      if (read < show) {
        const r = render();
        // A value fetch refuses (a line break from a field) would show as two headers.
        for (const [name, value] of Object.entries(r.headers)) checkHeaderValue(name, value);
        requests.push(`${r.method} ${r.url}`);
        for (const [k, v] of Object.entries(r.headers)) requests.push(`${k}: ${v}`);
        if (r.body !== undefined) requests.push(r.body);
        requests.push("");
      }
    } catch (error) {
      // A query the template cannot render: run fails its item (class render), sending nothing.
      if (!(error instanceof TypeError)) throw error;
      if (read < show) {
        requests.push(`# ${source.file}:${query.line}: not sent (render): ${error.message}`, "");
      }
    }
    read++;
  }
  // Printed once the whole input was read: a bad row stops plan before any request is shown.
  for (const line of requests) io.log(line);
  const found = {
    source,
    read,
    duplicates: duplicates.report(),
    checks: checks.report(),
    hosts,
    costs,
  };
  for (const line of reportLines(found, config.rate, config.options)) io.log(line);
  const further = pagesLine(config.options);
  if (further) io.log(further);
  checks.finish(); // queries lacking a template field: run would refuse them
  return EXIT.ok;
}
