/**
 * What each answer allocates (issue 25): two builds of sluice and the fetch +
 * store script run the same job against the same echo server, each under
 * V8's `--trace-gc-nvp`, whose every collection says how many bytes were
 * allocated since the one before. Their sum per request, and the scavenges
 * it took, move far less between runs than CPU time does on a shared
 * machine: a lever that allocates less shows here when paired CPU rounds
 * cannot tell it from noise. (GC's share of the CPU follows the scavenges:
 * each one copies what is still alive.)
 *
 * Usage: `deno run --allow-all bench/allocations.ts --before DIR --after DIR
 * [--rounds 3] [--n 20000] [--server node|deno]`
 *
 * Prints a markdown table: per build, KB allocated per request (median of
 * the rounds, and each), scavenges, GC pause per request, CPU µs per request.
 *
 * @module
 */
import { fetchStoreArgs, type Place, sluiceArgs } from "./_contenders.ts";
import { measure, startEchoServer, writeQueries } from "./_measure.ts";
import { fmt } from "./_targets.ts";

/** The V8 settings of the `sluice` task, with the collector's trace. */
const TRACED = "--v8-flags=--max-semi-space-size=8,--trace-gc-nvp";

/** One traced run: its collections and CPU. */
export interface GcTrace {
  /** Bytes allocated over the run, summed from every collection's report. */
  allocatedBytes: number;
  /** Scavenges (young-generation collections). */
  scavenges: number;
  /** Collections of the whole heap. */
  fullCollections: number;
  /** Main-thread pause of every collection, in ms. */
  pauseMs: number;
}

/**
 * Reads V8's `--trace-gc-nvp` lines out of a process's output.
 *
 * @example Usage
 * ```ts
 * import { readGcTrace } from "./allocations.ts";
 * import assert from "node:assert/strict";
 * const out = [
 *   '[1:0x1:0]  20 ms: GC: {"pause":1.5,"gc":"s","allocated":1000,"promoted":10}',
 *   "sluice: done",
 *   '[1:0x1:0]  90 ms: GC: {"pause":4,"gc":"mc","allocated":500}',
 * ].join("\n");
 * assert.deepEqual(readGcTrace(out), {
 *   allocatedBytes: 1500,
 *   scavenges: 1,
 *   fullCollections: 1,
 *   pauseMs: 5.5,
 * });
 * ```
 */
export function readGcTrace(output: string): GcTrace {
  const trace: GcTrace = { allocatedBytes: 0, scavenges: 0, fullCollections: 0, pauseMs: 0 };
  for (const line of output.split("\n")) {
    const at = line.indexOf("GC: {");
    if (at < 0) continue;
    let event: { gc?: string; allocated?: number; pause?: number };
    try {
      event = JSON.parse(line.slice(at + 4));
    } catch {
      continue; // a line cut by another thread's output
    }
    trace.allocatedBytes += event.allocated ?? 0;
    trace.pauseMs += event.pause ?? 0;
    if (event.gc === "s") trace.scavenges++;
    else trace.fullCollections++;
  }
  return trace;
}

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] ?? fallback : fallback;
}

interface Traced extends GcTrace {
  cpuUs: number;
}

async function traced(command: string[], n: number, check: RegExp): Promise<Traced> {
  const m = await measure(Deno.execPath(), command);
  if (m.code !== 0 || !check.test(m.stdout + m.stderr)) {
    throw new Error(`${command.join(" ")}: exit ${m.code}: ${m.stderr.slice(-300)}`);
  }
  return { ...readGcTrace(m.stdout + m.stderr), cpuUs: ((m.cpuMs ?? NaN) * 1000) / n };
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function row(label: string, runs: Traced[], n: number): string {
  const kb = runs.map((r) => r.allocatedBytes / n / 1024);
  return `| ${label} | ${fmt(median(kb), 1)} (${kb.map((x) => fmt(x, 1)).join(", ")}) | ${
    fmt(median(runs.map((r) => r.scavenges)))
  } | ${fmt(median(runs.map((r) => (r.pauseMs * 1000) / n)), 1)} | ${
    fmt(median(runs.map((r) => r.cpuUs)))
  } (${runs.map((r) => fmt(r.cpuUs)).join(", ")}) |`;
}

if (import.meta.main) {
  const before = option("before", "").replace(/\/?$/, "/");
  const after = option("after", "").replace(/\/?$/, "/");
  if (before === "/" || after === "/") {
    throw new TypeError("Cannot compare allocations: give --before DIR --after DIR");
  }
  const rounds = Number(option("rounds", "3"));
  const n = Number(option("n", "20000"));
  const kind = option("server", "node") === "deno" ? "deno" : "node";
  const tmp = await Deno.makeTempDir({ prefix: "sluice-allocations-" });
  const server = await startEchoServer({ kind });
  try {
    const place: Place = { url: server.url, tmp };
    const input = `${tmp}/q.jsonl`;
    await writeQueries(input, n);
    const db = `${tmp}/a.db`;
    const builds = { before, after };
    const runs: Record<string, Traced[]> = { before: [], after: [], store: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [label, root] of Object.entries(builds)) {
        for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
        const args = sluiceArgs(place, input, 64, db, root).args
          .map((arg) => arg.startsWith("--v8-flags=") ? TRACED : arg);
        runs[label]!.push(await traced(args, n, new RegExp(`\\b${n}/${n} done, 0 failed`)));
      }
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
      const store = fetchStoreArgs(place, input, 64, db, "client");
      runs.store!.push(await traced([store[0]!, TRACED, ...store.slice(1)], n, /"ok":\d+/));
      // deno-lint-ignore no-console
      console.error(`allocations: round ${round + 1} of ${rounds} done`);
    }
    // deno-lint-ignore no-console
    console.log(
      [
        `${rounds} interleaved rounds of ${n} POSTs, 0 ms, c64, ${kind} server; ` +
        `before = ${before}, after = ${after}; V8 ${TRACED.slice("--v8-flags=".length)}`,
        "",
        "| build | KB allocated per request, median (rounds) | scavenges | GC pause µs/request | CPU µs/request, median (rounds) |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("before", runs.before!, n),
        row("after", runs.after!, n),
        row("fetch + store (@libsql/client)", runs.store!, n),
      ].join("\n"),
    );
  } finally {
    await server.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}
