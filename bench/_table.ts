/**
 * The rows of the bench table: a fixed list (the smoke test checks that every
 * one is printed, measured or marked unavailable) and the markdown rendering;
 * and the side-by-side table of every contender in every scenario.
 *
 * @module
 */
import type { Run, Unavailable } from "./_contenders.ts";
import { CONTENDERS, type ScenarioResult } from "./_side_by_side.ts";

/** Every row of the table, in order; `label` is its scenario column. */
export const ROWS = [
  { id: "e2e", label: "throughput: end to end vs the ceiling" },
  { id: "e2e-node", label: "throughput vs the ceiling: node server" },
  { id: "e2e-slow-deno", label: "throughput vs the ceiling: 20 ms, 256 in flight, Deno server" },
  { id: "e2e-slow-node", label: "throughput vs the ceiling: 20 ms, 256 in flight, node server" },
  { id: "cpu-deno-0", label: "CPU per request vs the ceiling: Deno server, 0 ms" },
  { id: "cpu-node-0", label: "CPU per request vs the ceiling: node server, 0 ms" },
  { id: "cpu-deno-20", label: "CPU per request vs the ceiling: Deno server, 20 ms" },
  { id: "cpu-node-20", label: "CPU per request vs the ceiling: node server, 20 ms" },
  { id: "store-deno-0", label: "vs fetch + store: Deno server, 0 ms" },
  { id: "store-node-0", label: "vs fetch + store: node server, 0 ms" },
  { id: "store-deno-20", label: "vs fetch + store: Deno server, 20 ms" },
  { id: "store-node-20", label: "vs fetch + store: node server, 20 ms" },
  { id: "seed-deno", label: "vs the seed's whole job: Deno server" },
  { id: "seed-node", label: "vs the seed's whole job: node server" },
  { id: "aiohttp", label: "throughput: vs aiohttp + gather (stores nothing)" },
  { id: "crawlee", label: "throughput: vs Crawlee" },
  { id: "sequential", label: "throughput: vs a sequential loop" },
  { id: "import", label: "import" },
  { id: "rss", label: "memory: whole run" },
  { id: "rss-bare", label: "memory: vs the bare loop" },
  { id: "rss-growth", label: "memory: growth with job size" },
  { id: "rss-200k", label: "memory: 200k-item run" },
  { id: "rss-import", label: "memory: big import" },
  { id: "restart", label: "restart" },
  { id: "full", label: "the whole job" },
] as const;

/** A row's id. */
export type RowId = typeof ROWS[number]["id"];

/** Checks a row id at compile time and returns it. */
export function rowId(id: RowId): RowId {
  return id;
}

/** One measured row. */
export interface TableRow {
  id: string;
  figure: string;
  contenders: string;
  ratio: string;
  target: string;
  /** met, missed, smoke-only, unavailable, not run, failed: … */
  status: string;
  /** The commands that produced the figures. */
  command: string[];
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** The table, in the order of {@linkcode ROWS}; a row never measured says so. */
export function toMarkdown(rows: TableRow[]): string {
  const lines = [
    "| scenario | figure | contenders | ratio | target | met? | command |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const { id, label } of ROWS) {
    const row = rows.find((r) => r.id === id);
    const cells = row
      ? [
        label,
        row.figure,
        row.contenders,
        row.ratio,
        row.target,
        row.status,
        row.command.map((c) => `\`${c}\``).join("<br>"),
      ]
      : [label, "—", "not measured", "—", "—", "unavailable: the scenario did not run", "—"];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The header of the side-by-side table; the smoke test checks its columns. */
export const SIDE_HEADER =
  "| scenario | contender | req/s | CPU µs per request | peak RSS | command |";

/** A contender run outside the scenarios (one run, fewer requests). */
export interface ExtraContender {
  scenario: string;
  label: string;
  run: Run | Unavailable;
}

/**
 * Every contender in every scenario: requests/s (best of the rounds), user +
 * sys CPU µs per request of the client process (median), peak RSS (highest);
 * then the `extra` contenders.
 */
export function sideTable(results: ScenarioResult[], extra: ExtraContender[] = []): string {
  const num = (x: number | undefined, unit = "") =>
    x === undefined || !Number.isFinite(x)
      ? "n/a"
      : `${Math.round(x).toLocaleString("en-US")}${unit}`;
  const line = (scenario: string, label: string, run: Run | Unavailable) => {
    const cells = "unavailable" in run
      ? [scenario, label, "unavailable", "—", "—", `\`${run.command}\``]
      : [
        scenario,
        label + (run.error ? ` (failed: ${run.error})` : ""),
        num(run.perSecond),
        num(run.cpuUsPerRequest),
        num(run.peakMb, " MB"),
        `\`${run.command}\``,
      ];
    return `| ${cells.map(cell).join(" | ")} |`;
  };
  const lines = [SIDE_HEADER, "| --- | --- | ---: | ---: | ---: | --- |"];
  for (const { scenario, runs } of results) {
    for (const { id, label } of CONTENDERS) lines.push(line(scenario.label, label, runs[id]));
  }
  for (const { scenario, label, run } of extra) lines.push(line(scenario, label, run));
  return lines.join("\n");
}
