#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write --allow-env --allow-ffi --allow-sys
/**
 * How closely sluice paces to a rate-limited API, mode by mode: the built-in
 * mock with a given limiter, sluice's `runJob` in this process with a given
 * `--rate`. For each mode: requests sent, 429s (and outage 503s) seen, the
 * rate the mock allows and the rate achieved.
 *
 * `deno run --allow-net --allow-read --allow-write --allow-env --allow-ffi --allow-sys bench/rate_modes.ts [--quick]`
 *
 * @module
 */
import { prepareJob } from "../lib/job/prepare_job.ts";
import { serveMockApi, type ServeMockOptions } from "../lib/mock/mock_server.ts";
import { parseRate } from "../lib/rate/rate_spec.ts";
import { runJob, type RunJobOptions } from "../lib/run/run_job.ts";
import { openStore } from "../lib/store/store.ts";
import { compileTemplate } from "../lib/job/template.ts";

/** One mode of the benchmark. */
export interface RateMode {
  name: string;
  /** The sluice flags it stands for, for the table. */
  client: string;
  /** The mock's flags, for the table. */
  server: string;
  mock: ServeMockOptions;
  options: RunJobOptions;
  /** What the mock allows over a long run, requests per second. */
  allowed: number;
  /** Seconds of work to queue at the allowed rate. */
  seconds: number;
}

/** What one mode measured. */
export interface RateModeResult {
  mode: RateMode;
  sent: number;
  ok: number;
  throttled: number;
  unavailable: number;
  /** 2xx per second between the mock's first and last request. */
  achieved: number;
  /** The most 2xx the mock could have given between its first and last request. */
  capacity: number;
  wallMs: number;
  /** The rate `--rate auto` settled at, if it ran. */
  discovered?: number;
}

/** The modes, with run lengths for a quick or a full run. */
export function rateModes(quick: boolean): RateMode[] {
  const s = (full: number, short: number) => (quick ? short : full);
  return [
    {
      // The mock's bucket holds twice the client's burst: with both exactly equal,
      // any network jitter makes the server's bucket a few ms short, and each such
      // 429 costs the mock's whole-second Retry-After.
      name: "fixed rate, burst",
      client: "--rate 40/s --burst 5",
      server: "--rate 40 --limiter bucket --burst 10 --headers none",
      mock: { rate: 40, limiter: "bucket", burst: 10, headers: "none" },
      options: { rate: parseRate("40/s"), burst: 5 },
      allowed: 40,
      seconds: s(10, 2),
    },
    {
      name: "fixed rate, burst 1",
      client: "--rate 40/s",
      server: "--rate 40 --headers none",
      mock: { rate: 40, headers: "none" },
      options: { rate: parseRate("40/s") },
      allowed: 40,
      seconds: s(10, 2),
    },
    {
      name: "several windows",
      client: "--rate 50/s,60/2s",
      server: "--rate 50 --windows 60/2s --headers none",
      mock: { rate: 50, windows: [{ limit: 60, periodMs: 2000 }], headers: "none" },
      options: { rate: parseRate("50/s,60/2s") },
      allowed: 30,
      seconds: s(12, 4),
    },
    ...(["ietf", "legacy", "x"] as const).map((headers) => ({
      name: `${headers} headers`,
      client: "--rate 1000/s",
      server: `--rate 50 --headers ${headers}`,
      mock: { rate: 50, headers },
      options: { rate: parseRate("1000/s") },
      allowed: 50,
      seconds: s(10, 2),
    })),
    {
      name: "auto (no headers)",
      client: "--rate auto",
      server: "--rate 60 --headers none",
      mock: { rate: 60, headers: "none" },
      options: { rate: parseRate("auto") },
      allowed: 60,
      seconds: s(20, 5),
    },
    {
      name: "outage",
      client: "--rate 50/s",
      server: "--rate 50 --outage 2s-4s:1",
      mock: { rate: 50, outages: [{ startMs: 2000, endMs: 4000, retryAfterS: 1 }] },
      options: { rate: parseRate("50/s") },
      allowed: 50,
      seconds: s(8, 5),
    },
  ];
}

async function* queries(n: number) {
  for (let i = 0; i < n; i++) yield { vars: { q: `query ${i}` }, line: i + 1 };
}

/** Runs one mode against a fresh mock and a fresh in-memory database. */
export async function runMode(mode: RateMode): Promise<RateModeResult> {
  const server = serveMockApi({ ...mode.mock, port: 0 });
  const store = await openStore(":memory:");
  try {
    const request = { url: `http://127.0.0.1:${server.port}/search`, body: { q: "{{q}}" } };
    const template = compileTemplate(request);
    const items = Math.round(mode.allowed * mode.seconds);
    const input = {
      file: "bench",
      format: "jsonl" as const,
      settings: {},
      queries: queries(items),
    };
    const { job } = await prepareJob(store, template, { name: mode.name, input, request });
    const started = performance.now();
    const summary = await runJob(store, job, template, {
      concurrency: 64,
      ...mode.options,
    });
    const wallMs = performance.now() - started;
    const stats = server.api.stats;
    const ok = Object.entries(stats.byStatus)
      .filter(([status]) => status.startsWith("2"))
      .reduce((sum, [, n]) => sum + n, 0);
    const span = ((stats.lastAt ?? 0) - (stats.firstAt ?? 0)) / 1000;
    const discovered = summary.limiter.adaptive?.rate;
    return {
      mode,
      sent: stats.requests,
      ok,
      throttled: stats.throttled,
      unavailable: stats.byStatus["503"] ?? 0,
      achieved: span > 0 ? ok / span : 0,
      capacity: capacity(mode.mock, stats.startedAt, stats.firstAt ?? 0, stats.lastAt ?? 0),
      wallMs,
      ...(discovered !== undefined ? { discovered } : {}),
    };
  } finally {
    store.close();
    await server.shutdown();
  }
}

/**
 * The most 2xx answers the mock can give between `first` and `last` (epoch
 * ms): for each fixed window it enforces, its limit in every window the span
 * touches that an outage does not cover whole; for a bucket, its burst plus
 * its rate over the time outside outages. The least over all constraints.
 */
export function capacity(
  mock: ServeMockOptions,
  startedAt: number,
  first: number,
  last: number,
): number {
  const outages = (mock.outages ?? []).map((o) => [startedAt + o.startMs, startedAt + o.endMs]);
  const down = (from: number, to: number) => outages.some(([a, b]) => a! <= from && to <= b!);
  const windows = [...(mock.windows ?? [])];
  let best = Infinity;
  if (mock.rate && mock.limiter === "bucket") {
    let up = last - first;
    for (const [a, b] of outages) up -= Math.max(0, Math.min(b!, last) - Math.max(a!, first));
    best = (mock.burst ?? Math.ceil(mock.rate / 10)) + (mock.rate * up) / 1000;
  } else if (mock.rate) {
    windows.push({ limit: mock.rate, periodMs: 1000 });
  }
  for (const { limit, periodMs } of windows) {
    let n = 0;
    for (let k = Math.floor(first / periodMs); k <= Math.floor(last / periodMs); k++) {
      if (!down(k * periodMs, (k + 1) * periodMs)) n += limit;
    }
    best = Math.min(best, n);
  }
  return best;
}

/** Formats results as a markdown table. */
export function rateModesTable(results: RateModeResult[]): string {
  const rows = results.map((r) =>
    [
      r.mode.name,
      `\`${r.mode.client}\``,
      `\`${r.mode.server}\``,
      r.sent,
      r.throttled,
      r.unavailable,
      r.mode.allowed.toFixed(0),
      r.achieved.toFixed(1) +
      (r.discovered !== undefined ? ` (settled at ${r.discovered.toFixed(1)})` : ""),
      `${((r.achieved / r.mode.allowed) * 100).toFixed(0)}%`,
      `${r.ok} / ${Math.floor(r.capacity)} = ${((r.ok / r.capacity) * 100).toFixed(0)}%`,
      `${(r.wallMs / 1000).toFixed(1)} s`,
    ].join(" | ")
  );
  return [
    "| mode | sluice | mock | requests sent | 429s | 503s | allowed req/s | achieved req/s | achieved / allowed | 2xx / most allowed | time |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${row} |`),
    "",
    "Achieved: 2xx answers per second between the mock's first and last request; against",
    "fixed windows a short run can use a partial window at each end and show more than the",
    "long-run allowed rate. Most allowed: what the mock could have answered 2xx in that",
    "same span (its limit in every window the span touches, outages excluded), so 100%",
    "means not one request's worth of quota was left unused (a client paced evenly at the",
    "allowed rate shows less over a short span, as it never bursts into the first window).",
  ].join("\n");
}

/**
 * Runs every mode and returns the markdown table.
 *
 * @param quick Shorter runs (about 25 s in all instead of about 90 s).
 */
export async function main(quick: boolean): Promise<string> {
  const results: RateModeResult[] = [];
  for (const mode of rateModes(quick)) results.push(await runMode(mode));
  return rateModesTable(results);
}

if (import.meta.main) {
  const table = await main(Deno.args.includes("--quick"));
  await Deno.stdout.write(new TextEncoder().encode(`## Rate modes\n\n${table}\n`));
}
