/**
 * One lever at a time (issue 25): two builds of sluice (checkouts, e.g. a git
 * worktree of the previous commit and this one) run the same job against the
 * same echo servers in interleaved rounds, the order of the two swapped every
 * round, with the fetch + store script (bench/fetch_store.ts) as the yardstick.
 * On a shared machine whose speed drifts between minutes, only such paired
 * rounds tell a lever's effect; CPU µs per request moves less with the load
 * than requests/s do.
 *
 * Usage: `deno run --allow-all bench/compare_builds.ts --before DIR --after DIR
 * [--rounds 5] [--n 20000] [--servers node,deno] [--latency 0] [--concurrency 64]
 * [--profile] [--before-v8 FLAGS] [--after-v8 FLAGS]`
 *
 * `--before-v8` / `--after-v8` replace the V8 settings of the `sluice` task
 * (`--max-semi-space-size=8`) for that build, e.g. `--after-v8
 * --max-semi-space-size=8,--single-threaded-gc`: a V8 setting is a lever too.
 *
 * Prints a markdown table: per server and build, CPU µs per request (median
 * of the rounds), requests/s (median and best), peak RSS (highest), and the
 * median of the rounds' after ÷ before CPU ratios; with `--profile`, one more
 * run of each build under `--cpu-prof`, split as the bench splits it.
 *
 * @module
 */
import { fetchStore, type Place, type Run, sluiceArgs as sluiceRunArgs } from "./_contenders.ts";
import { measure, startEchoServer, writeQueries } from "./_measure.ts";
import { type CpuShares, profileDeno } from "./_profile.ts";
import { fmt } from "./_targets.ts";

/** The settings of a comparison. */
export interface CompareOptions {
  before: string;
  after: string;
  rounds: number;
  n: number;
  servers: ("node" | "deno")[];
  latencyMs: number;
  concurrency: number;
  profile: boolean;
  /** V8 settings per build, comma-separated; undefined: the `sluice` task's. */
  v8: { before: string | undefined; after: string | undefined };
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** Reads the command line. */
export function parseCompareArgs(args: string[]): CompareOptions {
  const before = option(args, "before");
  const after = option(args, "after");
  if (!before || !after) {
    throw new TypeError("Cannot compare builds: give --before DIR --after DIR");
  }
  const number = (name: string, fallback: number) => {
    const text = option(args, name);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Cannot parse --${name} as an integer: current value is '${text}'`);
    }
    return value;
  };
  const servers = (option(args, "servers") ?? "node,deno").split(",");
  for (const server of servers) {
    if (server !== "node" && server !== "deno") {
      throw new RangeError(`Cannot parse --servers as node,deno: current value is '${server}'`);
    }
  }
  return {
    before: before.replace(/\/?$/, "/"),
    after: after.replace(/\/?$/, "/"),
    rounds: number("rounds", 5),
    n: number("n", 20_000),
    servers: servers as ("node" | "deno")[],
    latencyMs: number("latency", 0),
    concurrency: number("concurrency", 64),
    profile: args.includes("--profile"),
    v8: { before: option(args, "before-v8"), after: option(args, "after-v8") },
  };
}

/** A sluice run of the build at `root`, with other V8 settings when `v8` is given. */
function sluiceArgs(
  root: string,
  place: Place,
  input: string,
  c: number,
  db: string,
  v8?: string,
): string[] {
  const { args } = sluiceRunArgs(place, input, c, db, root);
  return v8 === undefined
    ? args
    : args.map((arg) => arg.startsWith("--v8-flags=") ? `--v8-flags=${v8}` : arg);
}

async function runBuild(
  root: string,
  place: Place,
  input: string,
  n: number,
  c: number,
  v8?: string,
): Promise<Run> {
  const db = `${place.tmp}/compare.db`;
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const m = await measure(Deno.execPath(), sluiceArgs(root, place, input, c, db, v8));
  const done = new RegExp(`\\b${n}/${n} done, 0 failed`).test(m.stderr);
  return {
    n,
    wallMs: m.wallMs,
    perSecond: (n / m.wallMs) * 1000,
    peakMb: m.peakMb,
    cpuUsPerRequest: m.cpuMs === undefined ? NaN : (m.cpuMs * 1000) / n,
    command: root,
    ...(m.code === 0 && done ? {} : { error: `exit ${m.code}: ${m.stderr.slice(-300)}` }),
  };
}

const median = (xs: number[]) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summary(label: string, runs: Run[], yardstick?: Run[]): string {
  const cpu = median(runs.map((r) => r.cpuUsPerRequest));
  const rate = median(runs.map((r) => r.perSecond));
  const best = Math.max(...runs.map((r) => r.perSecond));
  const rss = Math.max(...runs.map((r) => r.peakMb ?? NaN));
  const errors = runs.filter((r) => r.error).length;
  const vs = yardstick
    ? `${fmt(cpu / median(yardstick.map((r) => r.cpuUsPerRequest)), 2)}× CPU, ${
      fmt(rate / median(yardstick.map((r) => r.perSecond)), 2)
    }× req/s, ${fmt(rss / Math.max(...yardstick.map((r) => r.peakMb ?? NaN)), 2)}× RSS`
    : "—";
  return `| ${label} | ${fmt(cpu)} (${runs.map((r) => fmt(r.cpuUsPerRequest)).join(", ")}) | ${
    fmt(rate)
  } (best ${fmt(best)}) | ${fmt(rss)} MB | ${vs} |${errors ? ` ${errors} failed` : ""}`;
}

function shares(label: string, s: CpuShares | { error: string }): string {
  if ("error" in s) return `| ${label} | unavailable: ${s.error.replaceAll("|", "/")} |`;
  const ms = (x: number) => fmt(x);
  return `| ${label} | ${ms(s.totalMs - s.idleMs)} | ${ms(s.libsqlMs)} | ${ms(s.fetchMs)} | ${
    ms(s.sluiceMs)
  } | ${ms(s.gcMs)} | ${ms(s.otherMs)} | ${ms(s.idleMs)} |`;
}

/** Runs the comparison; returns the markdown. */
export async function compareBuilds(
  options: CompareOptions,
  log: (line: string) => void,
): Promise<string> {
  const { before, after, rounds, n, servers, latencyMs, concurrency: c } = options;
  const tmp = await Deno.makeTempDir({ prefix: "sluice-compare-" });
  const input = `${tmp}/q${n}.jsonl`;
  await writeQueries(input, n);
  const out: string[] = [
    `${rounds} interleaved rounds of ${fmt(n)} POSTs, ${latencyMs} ms, c${c}; before = ${before}${
      options.v8.before ? ` (V8 ${options.v8.before})` : ""
    }, after = ${after}${options.v8.after ? ` (V8 ${options.v8.after})` : ""}`,
    "",
  ];
  try {
    for (const kind of servers) {
      const server = await startEchoServer({ kind, latencyMs });
      const place: Place = { url: server.url, tmp };
      const runs = { before: [] as Run[], after: [] as Run[], store: [] as Run[] };
      const ratios: number[] = [];
      try {
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 === 0
            ? ["before", "after"] as const
            : ["after", "before"] as const;
          const got: Partial<Record<"before" | "after", Run>> = {};
          for (const which of order) {
            got[which] = await runBuild(options[which], place, input, n, c, options.v8[which]);
            runs[which].push(got[which]!);
          }
          runs.store.push(await fetchStore(place, input, n, c, `${tmp}/store.db`, "client"));
          ratios.push(got.after!.cpuUsPerRequest / got.before!.cpuUsPerRequest);
          log(
            `${kind} round ${round + 1}: before ${fmt(got.before!.cpuUsPerRequest)} µs, after ${
              fmt(got.after!.cpuUsPerRequest)
            } µs, fetch + store ${fmt(runs.store.at(-1)!.cpuUsPerRequest)} µs`,
          );
        }
        out.push(
          `### ${kind} server`,
          "",
          "| build | CPU µs/request, median (rounds) | req/s, median | peak RSS | ÷ fetch + store |",
          "| --- | ---: | ---: | ---: | --- |",
          summary("before", runs.before, runs.store),
          summary("after", runs.after, runs.store),
          summary("fetch + store (@libsql/client)", runs.store),
          "",
          `after ÷ before, CPU per request, median of the paired rounds: ${
            fmt(median(ratios), 3)
          } (${ratios.map((r) => fmt(r, 3)).join(", ")})`,
          "",
        );
        if (options.profile) {
          log(`${kind}: profiles`);
          const db = `${tmp}/prof.db`;
          const profile = async (root: string, v8?: string) => {
            for (const suffix of ["", "-wal", "-shm"]) {
              await Deno.remove(db + suffix).catch(() => {});
            }
            return await profileDeno(sluiceArgs(root, place, input, c, db, v8), root);
          };
          out.push(
            "| build (one run under --cpu-prof, ms) | busy | libSQL | fetch | sluice's code | GC | other | idle |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            shares("before", await profile(before, options.v8.before)),
            shares("after", await profile(after, options.v8.after)),
            "",
          );
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return out.join("\n");
}

if (import.meta.main) {
  const options = parseCompareArgs(Deno.args);
  const started = performance.now();
  const markdown = await compareBuilds(options, (line) => {
    const at = ((performance.now() - started) / 1000).toFixed(0);
    Deno.stderr.writeSync(new TextEncoder().encode(`compare: [${at} s] ${line}\n`));
  });
  await Deno.stdout.write(new TextEncoder().encode(markdown + "\n"));
}
