/**
 * Restart benchmark: the time from starting `sluice run` again on a database
 * that holds 1M items (one earlier run killed with SIGKILL, its items still
 * leased) to the first request reaching the API; and the duplicate sends of
 * a kill -9 torture run (tests/_torture.ts).
 *
 * Run alone: `deno run --allow-all bench/restart.ts [--quick]`. `main(quick)`
 * returns the markdown table, for bench/run.ts.
 *
 * @module
 */
import { openStore } from "../lib/store/store.ts";
import { execute } from "../tests/_db.ts";
import { serveMockApi } from "../lib/mock/mock_server.ts";
import { SluiceProcess } from "../tests/_sluice_process.ts";
import { runTorture } from "../tests/e2e/_torture.ts";

/** Builds a job of `items` pending items with one SQL statement. */
async function buildDatabase(path: string, items: number, url: string): Promise<number> {
  const started = performance.now();
  const store = await openStore(`file:${path}`);
  let jobId: number;
  try {
    const request = { url, body: '{"q":"{{q}}"}' };
    jobId = (await store.jobs.create({ name: "bench", request, options: {}, now: Date.now() })).id;
  } finally {
    store.close();
  }
  // One generated INSERT, faster than importing a million rows through the store.
  await execute(`file:${path}`, [
    {
      sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
            INSERT INTO items (job, seq, key, vars, updated)
            SELECT ?, i, 'k' || i, json_object('q', 'query ' || i), 0 FROM n`,
      args: [items, jobId],
    },
    {
      sql: "UPDATE jobs SET next_seq = ?, imported = 1, input = 'bench' WHERE id = ?",
      args: [items, jobId],
    },
  ]);
  return performance.now() - started;
}

interface Restart {
  /** Spawn to the first request at the mock. */
  firstRequestMs: number;
  /** Spawn to the "resuming job" line (process start, open, resume). */
  startLineMs: number;
}

/** Starts a run, waits for its first request, kills it with SIGKILL. */
async function restartOnce(
  args: string[],
  server: ReturnType<typeof serveMockApi>,
): Promise<Restart> {
  server.api.reset();
  const started = performance.now();
  const run = new SluiceProcess(args);
  let startLineMs = NaN;
  void run.waitFor(/^sluice: resuming/).then(
    () => startLineMs = performance.now() - started,
    () => {},
  );
  const first = new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      if (server.api.stats.firstAt !== undefined) {
        clearInterval(poll);
        resolve(performance.now() - started);
      }
    }, 1);
    run.exited.then((exit) => {
      clearInterval(poll);
      reject(new Error(`the run exited first (${exit.code}):\n${exit.stderr}`));
    });
  });
  const firstRequestMs = await first;
  run.kill("SIGKILL");
  await run.exited;
  return { firstRequestMs, startLineMs };
}

/** Time to `--version`: the floor of any restart (Deno start and module load). */
async function bareStartMs(): Promise<number> {
  const started = performance.now();
  await new SluiceProcess(["--version"]).exited;
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

/** What {@linkcode measureRestart} found. */
export interface RestartFigures {
  /** Time to build the database (one INSERT … SELECT). */
  buildMs: number;
  /** Median of spawn → first request at the API. */
  firstRequestMs: number;
  /** Median of spawn → the "resuming job" line. */
  startLineMs: number;
  /** The exact arguments given to `main.ts` (the database path included). */
  args: string[];
}

/**
 * Builds a database of `items` pending items, kills a first run after its
 * first request (leaving its page leased, as after a crash), then restarts
 * `restarts` times and returns the medians. bench/run.ts calls it with 4M items.
 */
export async function measureRestart(items: number, restarts: number): Promise<RestartFigures> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-bench-restart-" });
  const server = serveMockApi({ port: 0, record: false, latencyMs: 5 });
  try {
    const db = `${dir}/restart.db`;
    const url = `http://127.0.0.1:${server.port}/search`;
    const buildMs = await buildDatabase(db, items, url);
    const args = ["run", "--db", `file:${db}`, "--job", "bench", "--rate", "none", "--quiet"];
    // The first run leaves its claimed page leased to a dead process, as after a crash.
    await restartOnce(args, server);
    const times: Restart[] = [];
    for (let i = 0; i < restarts; i++) times.push(await restartOnce(args, server));
    return {
      buildMs,
      firstRequestMs: median(times.map((t) => t.firstRequestMs)),
      startLineMs: median(times.map((t) => t.startLineMs)),
      args,
    };
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the benchmark and returns a markdown table.
 *
 * @param quick 100k items and a 6-kill torture instead of 1M and 12 kills.
 */
export async function main(quick: boolean): Promise<string> {
  const items = quick ? 100_000 : 1_000_000;
  const restarts = quick ? 3 : 5;
  const rows: [string, string][] = [];
  {
    const { buildMs, firstRequestMs: first, startLineMs: line } = await measureRestart(
      items,
      restarts,
    );
    const bare = median([await bareStartMs(), await bareStartMs(), await bareStartMs()]);
    const items_ = items.toLocaleString("en-US");
    rows.push(
      [`database of ${items_} items built (one INSERT … SELECT)`, ms(buildMs)],
      [
        `restart → first request sent, ${items_} items, after a kill -9 (median of ${restarts})`,
        `${ms(first)} (target < 1 s: ${first < 1000 ? "met" : "NOT met"})`,
      ],
      ['  of which start → "resuming job" line (Deno start, open, resume)', ms(line)],
      ["  `sluice --version` alone (Deno start, module load)", ms(bare)],
    );
  }

  const seed = Math.floor(Math.random() * 2 ** 31);
  const f = await runTorture({
    seed,
    items: quick ? 1000 : 3000,
    kills: quick ? 6 : 12,
    concurrency: 8,
  });
  if (f.finalCode !== 0 || f.done !== f.items || f.itemsWithSeveralRows > 0) {
    throw new Error(`torture run failed (seed ${seed}): ${JSON.stringify({ ...f, kills: [] })}`);
  }
  rows.push(
    [`torture (seed ${seed}): kills landed / items`, `${f.killed} / ${f.items}`],
    [
      "  keys sent more than once (bound: concurrency 8 × kills)",
      `${f.duplicateKeys} (bound ${f.bound}), ${f.extraSends} extra requests of ${f.requests}`,
    ],
    ['  items flagged "possibly sent" (claimed, in flight at a kill)', String(f.possiblySent)],
    ["  every item done once, one response row each", f.responses === f.items ? "yes" : "no"],
    ["  wall time", ms(f.elapsedMs)],
  );
  return [
    "| restart and crash safety | figure |",
    "| --- | --- |",
    ...rows.map(([what, figure]) => `| ${what} | ${figure} |`),
  ].join("\n");
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  console.log(await main(Deno.args.includes("--quick")));
}
