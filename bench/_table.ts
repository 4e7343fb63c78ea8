/**
 * The rows of the bench table: a fixed list (the smoke test checks that every
 * one is printed, measured or marked unavailable) and the markdown rendering.
 *
 * @module
 */

/** Every row of the table, in order; `label` is its scenario column. */
export const ROWS = [
  { id: "e2e", label: "throughput: end to end vs the ceiling" },
  { id: "aiohttp", label: "throughput: vs the seed (aiohttp)" },
  { id: "crawlee", label: "throughput: vs Crawlee" },
  { id: "sequential", label: "throughput: vs a sequential loop" },
  { id: "import", label: "import" },
  { id: "rss", label: "memory: whole run" },
  { id: "rss-growth", label: "memory: growth with job size" },
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
