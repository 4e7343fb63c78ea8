/**
 * Issue 12's targets as rows of the bench table, from the side-by-side
 * scenarios: throughput and CPU per request against the bare loop, sluice
 * against the seed's whole job, and peak RSS against the bare loop. A missed
 * row says what limits it, from the scenario's CPU profiles.
 *
 * @module
 */
import type { Run, Unavailable } from "./_contenders.ts";
import { limitNote, storeNote } from "./_limits.ts";
import { isRun, type ScenarioResult } from "./_side_by_side.ts";
import type { RowId, TableRow } from "./_table.ts";

/** Numbers as the tables print them. */
export const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";

/** A run's requests/s, CPU µs per request and peak RSS in one phrase. */
export const figures = (r: Run): string =>
  `${fmt(r.perSecond)} req/s, ${fmt(r.cpuUsPerRequest)} µs CPU/req, ${fmt(r.peakMb ?? NaN)} MB`;

/** The throughput target of each scenario (issue 12), and its row. */
const THROUGHPUT: Record<ScenarioResult["scenario"]["id"], { id: RowId; target: number }> = {
  "deno-0": { id: "e2e", target: 0.85 },
  "node-0": { id: "e2e-node", target: 0.9 },
  "deno-20": { id: "e2e-slow-deno", target: 0.97 },
  "node-20": { id: "e2e-slow-node", target: 0.97 },
};
const CPU_ROW: Record<ScenarioResult["scenario"]["id"], RowId> = {
  "deno-0": "cpu-deno-0",
  "node-0": "cpu-node-0",
  "deno-20": "cpu-deno-20",
  "node-20": "cpu-node-20",
};
const SEED_ROW: Partial<Record<ScenarioResult["scenario"]["id"], RowId>> = {
  "deno-0": "seed-deno",
  "node-0": "seed-node",
};
const STORE_ROW: Record<ScenarioResult["scenario"]["id"], RowId> = {
  "deno-0": "store-deno-0",
  "node-0": "store-node-0",
  "deno-20": "store-deno-20",
  "node-20": "store-node-20",
};
/** Issue 25's targets against the fetch + store script: CPU, req/s, peak RSS. */
const STORE_CPU = 1.3;
const STORE_SPEED = 0.8;
const STORE_RSS = 1;
const CPU_TARGET = 1.35;
const SEED_SPEED = 1.5;
const SEED_CPU = 0.75;

/** `met`, `missed: <what limits it>`, or `smoke-only` in a quick run. */
export type Judge = (ok: boolean, limit: string) => string;

function unavailable(id: RowId, figure: string, target: string, other: Unavailable): TableRow {
  return {
    id,
    figure,
    contenders: `unavailable: ${other.unavailable}`,
    ratio: "—",
    target,
    status: "unavailable",
    command: [other.command],
  };
}

/** The rows of one scenario: throughput, CPU per request, and the seed where it has one. */
export function scenarioRows(result: ScenarioResult, judge: Judge): TableRow[] {
  const { scenario, runs, n } = result;
  const rows: TableRow[] = [];
  const sluice = runs.sluice as Run;
  const bare = runs.bare as Run;
  const failed = sluice.error ?? bare.error;
  const limit = `${limitNote(result)} (profiles below)`;
  const both = [sluice.command, bare.command];
  const speed = sluice.perSecond / bare.perSecond;
  const { id, target } = THROUGHPUT[scenario.id];
  rows.push({
    id,
    figure: `sluice ÷ bare Deno fetch loop, requests/s (${scenario.label})`,
    contenders: `sluice ${fmt(sluice.perSecond)} req/s; bare ${fmt(bare.perSecond)} req/s (${
      fmt(n)
    } POSTs)`,
    ratio: `${fmt(speed, 2)}×`,
    target: `≥ ${target}×`,
    status: failed ? `failed: ${failed}` : judge(speed >= target, limit),
    command: both,
  });
  const cpu = sluice.cpuUsPerRequest / bare.cpuUsPerRequest;
  rows.push({
    id: CPU_ROW[scenario.id],
    figure: `sluice ÷ bare Deno fetch loop, CPU µs per request (${scenario.label})`,
    contenders: `sluice ${fmt(sluice.cpuUsPerRequest)} µs; bare ${fmt(bare.cpuUsPerRequest)} µs`,
    ratio: `${fmt(cpu, 2)}×`,
    target: `≤ ${CPU_TARGET}×`,
    status: failed ? `failed: ${failed}` : judge(cpu <= CPU_TARGET, limit),
    command: both,
  });
  rows.push(storeRow(result, judge));
  const seedRow = SEED_ROW[scenario.id];
  if (seedRow) {
    const seedFigure =
      `sluice ÷ the seed's whole job, requests/s and CPU µs per request (${scenario.label})`;
    const seedTarget = `≥ ${SEED_SPEED}× req/s, ≤ ${SEED_CPU}× CPU`;
    const seed = runs.seed;
    if (!isRun(seed)) rows.push(unavailable(seedRow, seedFigure, seedTarget, seed));
    else {
      const faster = sluice.perSecond / seed.perSecond;
      const cheaper = sluice.cpuUsPerRequest / seed.cpuUsPerRequest;
      const error = sluice.error ?? seed.error;
      rows.push({
        id: seedRow,
        figure: seedFigure,
        contenders: `sluice ${fmt(sluice.perSecond)} req/s at ${
          fmt(sluice.cpuUsPerRequest)
        } µs; the seed ${fmt(seed.perSecond)} req/s at ${fmt(seed.cpuUsPerRequest)} µs`,
        ratio: `${fmt(faster, 2)}× req/s, ${fmt(cheaper, 2)}× CPU`,
        target: seedTarget,
        status: error ? `failed: ${error}` : judge(
          faster >= SEED_SPEED && cheaper <= SEED_CPU,
          `${faster >= SEED_SPEED ? "" : "req/s "}${
            cheaper <= SEED_CPU ? "" : "CPU "
          }short; ${limit}`,
        ),
        command: [sluice.command, seed.command],
      });
    }
  }
  return rows;
}

/**
 * sluice against the job's own limit (issue 25): the fetch + store script
 * through @libsql/client, CPU µs per request, requests/s and peak RSS; the
 * native-driver variant's figures beside it.
 */
export function storeRow(result: ScenarioResult, judge: Judge): TableRow {
  const { scenario, runs } = result;
  const sluice = runs.sluice as Run;
  const store = runs.store as Run;
  const native = runs.native as Run;
  const cpu = sluice.cpuUsPerRequest / store.cpuUsPerRequest;
  const speed = sluice.perSecond / store.perSecond;
  const rss = (sluice.peakMb ?? NaN) / (store.peakMb ?? NaN);
  const short = [
    cpu <= STORE_CPU ? "" : "CPU",
    speed >= STORE_SPEED ? "" : "req/s",
    rss <= STORE_RSS ? "" : "RSS",
  ].filter(Boolean).join(", ");
  const failed = sluice.error ?? store.error;
  return {
    id: STORE_ROW[scenario.id],
    figure:
      `sluice ÷ fetch + store (1,000 answers per batch, @libsql/client), CPU µs per request, requests/s, peak RSS (${scenario.label})`,
    contenders: `sluice ${figures(sluice)}; fetch + store ${
      figures(store)
    }; with npm:libsql's prepared INSERT ${figures(native)}`,
    ratio: `${fmt(cpu, 2)}× CPU, ${fmt(speed, 2)}× req/s, ${fmt(rss, 2)}× RSS`,
    target: `≤ ${STORE_CPU}× CPU, ≥ ${STORE_SPEED}× req/s, ≤ ${STORE_RSS}× RSS`,
    status: failed ? `failed: ${failed}` : judge(
      short === "",
      `${short} short; ${storeNote(result)} (profiles below)`,
    ),
    command: [sluice.command, store.command, native.command],
  };
}

/** The row comparing sluice's peak RSS with the bare loop's, scenario by scenario. */
export function rssVsBareRow(results: ScenarioResult[], judge: Judge): TableRow {
  const pairs = results.map(({ scenario, runs }) => ({
    label: scenario.label,
    sluice: (runs.sluice as Run).peakMb ?? NaN,
    bare: (runs.bare as Run).peakMb ?? NaN,
  }));
  const worst = Math.max(...pairs.map((p) => p.sluice / p.bare));
  const over = pairs.filter((p) => !(p.sluice <= p.bare)).map((p) => p.label);
  return {
    id: "rss-bare",
    figure: "peak RSS, sluice ÷ bare Deno fetch loop, in each scenario (highest of its rounds)",
    contenders: pairs.map((p) => `${p.label}: ${fmt(p.sluice)} ÷ ${fmt(p.bare)} MB`).join("; "),
    ratio: `${fmt(worst, 2)}× at most`,
    target: "≤ 1×",
    status: judge(
      over.length === 0,
      `above the bare loop in ${
        over.join(", ")
      }: the V8 heap plus libSQL's page cache and statement buffers (no heap profile taken)`,
    ),
    command: ["the sluice and bare commands of the side-by-side table"],
  };
}

/** What {@linkcode ratioRow} compares. */
export interface RatioRowOptions {
  id: "aiohttp" | "crawlee" | "sequential";
  /** sluice's run in the Deno scenario (0 ms, c64). */
  sluice: Run;
  other: Run | Unavailable;
  name: string;
  judge: Judge;
}

/** The requests/s targets of issue 5 against other tools (Deno server, 0 ms). */
const RATIO_TARGETS: Record<RatioRowOptions["id"], number | undefined> = {
  aiohttp: 3,
  crawlee: 10,
  sequential: undefined,
};

/** sluice's requests/s ÷ another tool's, against the Deno server. */
export function ratioRow({ id, sluice, other, name, judge }: RatioRowOptions): TableRow {
  const target = RATIO_TARGETS[id];
  const perS = (r: Run) => `${fmt(r.perSecond)} req/s`;
  if (!isRun(other)) {
    return unavailable(id, `sluice ÷ ${name}`, target ? `≥ ${target}×` : "—", other);
  }
  const ratio = sluice.perSecond / other.perSecond;
  const error = sluice.error ?? other.error;
  return {
    id,
    figure: `sluice ÷ ${name}, requests/s (Deno server, 0 ms)`,
    contenders: `sluice ${perS(sluice)}; ${name} ${perS(other)} (${fmt(other.n)} POSTs)`,
    ratio: `${fmt(ratio, 2)}×`,
    target: target ? `≥ ${target}×` : "— (reported)",
    status: error
      ? `failed: ${error}`
      : target
      ? judge(ratio >= target, "the bookkeeping profiled below")
      : "reported",
    command: [sluice.command, other.command],
  };
}
