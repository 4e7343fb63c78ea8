/**
 * Issue 12's side-by-side runs: every contender against two echo servers
 * (Deno's and Node's `http`, each its own process on 127.0.0.1), with no added
 * latency at 64 in flight and with 20 ms per answer at 256 in flight. Each
 * contender's requests/s, CPU µs per request and peak RSS, with the command
 * that measured them, and a CPU profile of the bare loop and of sluice in each
 * scenario (what limits a missed target).
 *
 * @module
 */
import {
  aiohttpGather,
  bareFetch,
  bareFetchArgs,
  fetchStore,
  fetchStoreArgs,
  type Place,
  ROOT,
  type Run,
  seedJob,
  sluiceArgs,
  sluiceRun,
  type Unavailable,
} from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";
import { type CpuShares, profileDeno } from "./_profile.ts";

/** One server, latency and concurrency. */
export interface Scenario {
  id: "deno-0" | "node-0" | "deno-20" | "node-20";
  server: "deno" | "node";
  latencyMs: number;
  concurrency: number;
  /** How the tables name it. */
  label: string;
}

/** The four scenarios, in the order of the tables. */
export const SCENARIOS: readonly Scenario[] = [
  { id: "deno-0", server: "deno", latencyMs: 0, concurrency: 64, label: "Deno server, 0 ms, c64" },
  { id: "node-0", server: "node", latencyMs: 0, concurrency: 64, label: "node server, 0 ms, c64" },
  {
    id: "deno-20",
    server: "deno",
    latencyMs: 20,
    concurrency: 256,
    label: "Deno server, 20 ms, c256",
  },
  {
    id: "node-20",
    server: "node",
    latencyMs: 20,
    concurrency: 256,
    label: "node server, 20 ms, c256",
  },
];

/** The contenders of every scenario, in the order of the tables. */
export const CONTENDERS = [
  { id: "bare", label: "bare Deno fetch loop (stores nothing)" },
  {
    id: "store",
    label: "bare Deno fetch + libSQL, 1,000 answers per batch (@libsql/client): the job's limit",
  },
  {
    id: "native",
    label: "bare Deno fetch + libSQL, 1,000 answers per transaction (npm:libsql prepared INSERT)",
  },
  { id: "sluice", label: "sluice --rate none (import + send + store)" },
  { id: "aiohttp", label: "Python asyncio + aiohttp + gather (stores nothing)" },
  {
    id: "seed",
    label: "the seed's whole job: aiohttp + gather, blocks of 10,000, SQLite executemany",
  },
] as const;

/** A contender's id. */
export type ContenderId = typeof CONTENDERS[number]["id"];

/** What one scenario measured. */
export interface ScenarioResult {
  scenario: Scenario;
  /** Requests of each run. */
  n: number;
  /**
   * Per contender: requests/s the best of the rounds, CPU µs per request their
   * median, peak RSS their highest; the command and any error from the best.
   */
  runs: Record<ContenderId, Run | Unavailable>;
  /** One more run of each under `--cpu-prof`. */
  profiles: Record<"bare" | "store" | "sluice", CpuShares | { error: string }>;
}

/** Whether a contender ran (rather than being unavailable here). */
export const isRun = (r: Run | Unavailable): r is Run => !("unavailable" in r);

const median = (xs: number[]) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** Folds the rounds of one contender into its figures (see {@linkcode ScenarioResult}). */
export function fold(rounds: (Run | Unavailable)[]): Run | Unavailable {
  const runs = rounds.filter(isRun);
  if (runs.length < rounds.length) return rounds.find((r) => !isRun(r))!;
  const ok = runs.filter((r) => !r.error);
  const from = ok.length > 0 ? ok : runs;
  const best = [...from].sort((a, b) => b.perSecond - a.perSecond)[0]!;
  const peaks = from.map((r) => r.peakMb).filter((x): x is number => x !== undefined);
  return {
    ...best,
    cpuUsPerRequest: median(from.map((r) => r.cpuUsPerRequest)),
    peakMb: peaks.length > 0 ? Math.max(...peaks) : undefined,
  };
}

/** What {@linkcode sideBySide} needs. */
export interface SideBySideOptions {
  /** Requests per run. */
  n: number;
  /** Interleaved rounds per scenario. */
  rounds: number;
  /** Requests of the warm-up run before the rounds (0: none). */
  warmUp: number;
  /** The bench's temporary directory. */
  tmp: string;
  /** Whether /usr/bin/python3 has aiohttp. */
  hasAiohttp: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Runs every scenario of {@linkcode SCENARIOS}, one server at a time. */
export async function sideBySide(options: SideBySideOptions): Promise<ScenarioResult[]> {
  const { n, rounds, warmUp, tmp, hasAiohttp, log } = options;
  const input = `${tmp}/side${n}.jsonl`;
  await writeQueries(input, n);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const { server: kind, latencyMs, concurrency: c } = scenario;
      const server = await startEchoServer({ kind, latencyMs });
      const place: Place = { url: server.url, tmp };
      try {
        log(`${scenario.label}: ${rounds} round(s) of ${n} POSTs each`);
        if (warmUp > 0) await bareFetch(place, warmUp, c);
        const all: Record<ContenderId, (Run | Unavailable)[]> = {
          bare: [],
          store: [],
          native: [],
          sluice: [],
          aiohttp: [],
          seed: [],
        };
        for (let round = 1; round <= rounds; round++) {
          all.bare.push(await bareFetch(place, n, c));
          all.store.push(await fetchStore(place, input, n, c, `${tmp}/store.db`, "client"));
          all.native.push(await fetchStore(place, input, n, c, `${tmp}/store.db`, "native"));
          all.sluice.push(await sluiceRun(place, input, n, c, `${tmp}/side.db`));
          all.aiohttp.push(await aiohttpGather(place, n, c, hasAiohttp));
          all.seed.push(await seedJob(place, input, n, c, `${tmp}/seed.db`, hasAiohttp));
        }
        log(`${scenario.label}: CPU profiles of one more bare loop, fetch + store and sluice run`);
        const profiles = {
          bare: await profileDeno(bareFetchArgs(place, n, c), ROOT),
          store: await profileDeno(
            fetchStoreArgs(place, input, c, `${tmp}/prof-store-${scenario.id}.db`, "client"),
            ROOT,
          ),
          sluice: await profileDeno(
            sluiceArgs(place, input, c, `${tmp}/prof-${scenario.id}.db`).args,
            ROOT,
          ),
        };
        results.push({
          scenario,
          n,
          runs: {
            bare: fold(all.bare),
            store: fold(all.store),
            native: fold(all.native),
            sluice: fold(all.sluice),
            aiohttp: fold(all.aiohttp),
            seed: fold(all.seed),
          },
          profiles,
        });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await Deno.remove(input).catch(() => {});
  }
  return results;
}
