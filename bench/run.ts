/**
 * `deno task bench [--quick] [--out FILE]`: issue 5's benchmark. Every
 * scenario runs its contenders side by side in this one script, against the
 * same local echo server (its own process, 127.0.0.1), with bounded request
 * counts, and prints one markdown table that is also written to
 * bench/RESULTS.md (bench/RESULTS.quick.md with `--quick`). Sections from
 * bench/rate_modes.ts, bench/restart.ts and (not with `--quick`)
 * bench/dashboard_tabs.ts follow when those files exist.
 *
 * `--quick` is the CI smoke run: small sizes, figures marked smoke-only, no
 * Crawlee install and no 4M-item run; it finishes in well under two minutes.
 *
 * @module
 */
import {
  aiohttpVersion,
  crawlee,
  importProbe,
  importProbeArgs,
  type Place,
  ROOT,
  type Run,
  sequential,
} from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";
import { setupCrawlee } from "./crawlee.ts";
import { rowId, ROWS, sideTable, type TableRow, toMarkdown } from "./_table.ts";
import { importBullet, profileDeno } from "./_profile.ts";
import { limitsSection } from "./_limits.ts";
import { isRun, sideBySide } from "./_side_by_side.ts";
import { fmt, type Judge, ratioRow, rssVsBareRow, scenarioRows } from "./_targets.ts";
import { bigRunRows, restartRow, wholeJobRow } from "./_long_rows.ts";

/** Sizes of each scenario. */
interface Sizes {
  rounds: number;
  e2e: number;
  slow: number;
  importN: number;
  bigRun: number;
  hugeImport: number;
  restart: number;
  restarts: number;
  fullRun: number | undefined;
}

const FULL: Sizes = {
  rounds: 3,
  e2e: 20_000,
  slow: 5_000,
  importN: 1_000_000,
  bigRun: 200_000,
  hugeImport: 4_000_000,
  restart: 4_000_000,
  restarts: 5,
  fullRun: 4_000_000,
};
const QUICK: Sizes = {
  rounds: 1,
  e2e: 1_000,
  slow: 200,
  importN: 20_000,
  bigRun: 5_000,
  hugeImport: 50_000,
  restart: 20_000,
  restarts: 1,
  fullRun: undefined,
};

async function section(file: string, quick: boolean): Promise<string> {
  const url = new URL(`./${file}`, import.meta.url);
  try {
    await Deno.stat(url);
  } catch {
    return `_bench/${file} is not present: section skipped._`;
  }
  try {
    const module = await import(url.href) as { main?: (quick: boolean) => Promise<string> };
    if (typeof module.main !== "function") return `_bench/${file} exports no main(): skipped._`;
    return await module.main(quick);
  } catch (error) {
    return `_bench/${file} failed: ${error instanceof Error ? error.message : String(error)}_`;
  }
}

/** The CPU's model name. Deno reads /proc only with --allow-all; `cat` needs --allow-run. */
async function cpuModel(): Promise<string> {
  try {
    const out = await new Deno.Command("cat", { args: ["/proc/cpuinfo"], stdout: "piped" })
      .output();
    return /model name\s*:\s*(.*)/.exec(new TextDecoder().decode(out.stdout))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

async function versions(): Promise<string> {
  const run = async (cmd: string, args: string[]) => {
    try {
      const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
      return new TextDecoder().decode(out.stdout).trim().split("\n")[0] ?? "?";
    } catch {
      return "not installed";
    }
  };
  const cpu = await cpuModel();
  // The checkout is shared: say which commit ran and whether others' edits were in it.
  // A bench run from a copy of the tree says what it copied in SLUICE_BENCH_COMMIT.
  const commit = Deno.env.get("SLUICE_BENCH_COMMIT") ??
    await run("git", ["-C", ROOT, "describe", "--always", "--dirty=+uncommitted"]);
  return [
    `commit ${commit}`,
    `Deno ${Deno.version.deno}`,
    `${await run("/usr/bin/python3", ["--version"])} (aiohttp ${
      (await aiohttpVersion()) ?? "not installed"
    })`,
    `Node ${await run("node", ["--version"])}`,
    `${navigator.hardwareConcurrency} CPUs (${cpu})`,
  ].join(", ");
}

/** What the scenarios measured: the target rows, the side-by-side table, what limits the misses. */
interface Measured {
  rows: TableRow[];
  side: string;
  limits: string;
}

/** Runs every scenario. */
async function scenarios(
  quick: boolean,
  skipWholeJob: boolean,
  previous: string,
  log: (line: string) => void,
): Promise<Measured> {
  const size = quick ? QUICK : FULL;
  const rows: TableRow[] = [];
  const judge: Judge = (ok, limit) => quick ? "smoke-only" : ok ? "met" : `missed: ${limit}`;
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-" });
  const hasAiohttp = (await aiohttpVersion()) !== undefined;
  try {
    // Side by side: every contender against both servers, 0 ms / c64 and 20 ms / c256.
    const results = await sideBySide({
      n: size.e2e,
      rounds: size.rounds,
      warmUp: quick ? 0 : 2_000,
      tmp,
      hasAiohttp,
      log,
    });
    for (const result of results) rows.push(...scenarioRows(result, judge));
    rows.push(rssVsBareRow(results, judge));
    const deno = results.find((r) => r.scenario.id === "deno-0")!;
    const sluice = deno.runs.sluice as Run;
    const bare = deno.runs.bare as Run;
    const aio = deno.runs.aiohttp;
    const limits = limitsSection({
      results,
      perSecond: {
        sluice: sluice.perSecond,
        bare: bare.perSecond,
        ...(isRun(aio) && !aio.error ? { aiohttp: aio.perSecond } : {}),
      },
    });

    const server = await startEchoServer();
    const place: Place = { url: server.url, tmp };
    try {
      const c = 64;
      log(`sequential loop and Crawlee: ${size.slow} POSTs`);
      const seq = await sequential(place, size.slow);
      const crawleeRun = await crawlee(place, size.slow, c, await setupCrawlee(!quick));
      rows.push(ratioRow({ id: "aiohttp", sluice, other: aio, name: "aiohttp + gather", judge }));
      rows.push(
        ratioRow({ id: "crawlee", sluice, other: crawleeRun, name: "Crawlee BasicCrawler", judge }),
      );
      rows.push(ratioRow({ id: "sequential", sluice, other: seq, name: "sequential loop", judge }));

      // Import alone, JSONL → queue.
      log(`import: ${size.importN} queries`);
      const importInput = `${tmp}/q${size.importN}.jsonl`;
      await writeQueries(importInput, size.importN);
      const imp = await importProbe(place, importInput, size.importN, `${tmp}/import.db`);
      // More about what limits a missed target, measured, beside the throughput profiles.
      const more: string[] = [];
      if (!quick && !imp.error && imp.perSecond < 150_000) {
        log("CPU profile: one more import");
        const profile = await profileDeno(importProbeArgs(importInput, `${tmp}/import2.db`), ROOT);
        more.push(importBullet(profile, imp.perSecond));
      }
      await Deno.remove(importInput).catch(() => {});
      rows.push({
        id: rowId("import"),
        figure:
          "queries/s from JSONL into the queue (read, validate, key, insert; one transaction)",
        contenders: `${fmt(imp.perSecond)} queries/s (${fmt(size.importN)} in ${
          fmt(imp.importMs / 1000, 2)
        } s)`,
        ratio: `${fmt(imp.perSecond / 150_000, 2)}× target`,
        target: "≥ 150,000/s",
        status: imp.error
          ? `failed: ${imp.error}`
          : judge(imp.perSecond >= 150_000, "libSQL's insert (see below)"),
        command: [imp.command],
      });

      // Memory.
      log(`memory: a ${size.bigRun}-item run`);
      rows.push(...await bigRunRows({ items: size.bigRun, small: sluice, place, judge }));
      log(`memory: import of ${size.hugeImport} queries`);
      const hugeInput = `${tmp}/q${size.hugeImport}.jsonl`;
      await writeQueries(hugeInput, size.hugeImport);
      const huge = await importProbe(place, hugeInput, size.hugeImport, `${tmp}/huge.db`);
      await Deno.remove(`${tmp}/huge.db`).catch(() => {});
      rows.push({
        id: rowId("rss-import"),
        figure: `peak RSS of a ${fmt(size.hugeImport)}-item import`,
        contenders: `${fmt(huge.peakMb ?? NaN)} MB (${fmt(huge.perSecond)} queries/s, ${
          fmt(huge.importMs / 1000, 1)
        } s)`,
        ratio: "—",
        target: "< 300 MB",
        status: huge.error
          ? `failed: ${huge.error}`
          : judge((huge.peakMb ?? Infinity) < 300, "not profiled"),
        command: [huge.command],
      });

      log(`restart: ${size.restart} items in the database`);
      rows.push(await restartRow(size.restart, size.restarts, quick));

      if (size.fullRun !== undefined && !skipWholeJob) {
        log(`the whole job: ${size.fullRun} items (several minutes)`);
      }
      const whole = await wholeJobRow({
        items: size.fullRun,
        skip: skipWholeJob,
        previous,
        place,
        input: hugeInput,
        small: sluice,
      });
      rows.push(whole.row);
      if (whole.bullet) more.push(whole.bullet);
      await Deno.remove(hugeInput).catch(() => {});
      return {
        rows,
        side: sideTable(results, [
          {
            scenario: `Deno server, 0 ms, c64, ${fmt(size.slow)} POSTs`,
            label: "sequential loop (Python http.client)",
            run: seq,
          },
          {
            scenario: `Deno server, 0 ms, c64, ${fmt(size.slow)} POSTs`,
            label: "Crawlee BasicCrawler (Node)",
            run: crawleeRun,
          },
        ]),
        limits: [limits, ...more].join("\n"),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * bench/dashboard_tabs.ts's section, run as its own process: it reads
 * Chromium's CPU from /proc, which Deno allows only with --allow-all.
 */
async function dashboardSection(): Promise<string> {
  const script = new URL("./dashboard_tabs.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script],
    stdin: "null",
    stderr: "inherit",
  }).output().catch((error) => ({ success: false, stdout: new Uint8Array(), error }));
  const text = new TextDecoder().decode(output.stdout);
  return output.success && text.trim() !== ""
    ? text.trim()
    : `_bench/dashboard_tabs.ts failed: ${"error" in output ? output.error : "see its output"}._`;
}

/**
 * Runs the bench; returns the whole markdown document. `previous` is the last
 * RESULTS.md, whose whole-job figure is repeated when `--skip-whole-job` is given.
 */
export async function main(args: string[], previous = ""): Promise<string> {
  const quick = args.includes("--quick");
  const started = performance.now();
  const log = (line: string) => {
    const at = ((performance.now() - started) / 1000).toFixed(0);
    Deno.stderr.writeSync(new TextEncoder().encode(`bench: [${at} s] ${line}\n`));
  };
  const { rows, side, limits } = await scenarios(
    quick,
    args.includes("--skip-whole-job"),
    previous,
    log,
  );
  log("sections from bench/rate_modes.ts, bench/restart.ts and bench/dashboard_tabs.ts");
  const rateModes = await section("rate_modes.ts", quick);
  const restart = await section("restart.ts", quick);
  // Chromium tabs on a 200k-item run take minutes: not part of the CI smoke run.
  const dashboard = quick
    ? "## Dashboard tabs\n\n_Not in --quick: `deno run --allow-all bench/dashboard_tabs.ts --quick` runs it alone._"
    : await dashboardSection();
  const minutes = (performance.now() - started) / 60_000;
  const size = quick ? QUICK : FULL;
  return [
    `# sluice benchmark${quick ? " (--quick: smoke-only sizes)" : ""}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`deno task bench${
      quick ? " --quick" : ""
    }\` in ${fmt(minutes, 1)} min; ${await versions()}.`,
    "",
    "Every contender does the same work in its own process: N POSTs of a small JSON body " +
    '(`{"q":"query i"}`) to an echo server at `$URL` (its own process on 127.0.0.1, a fixed ' +
    "JSON answer): `deno run --allow-net bench/echo_server.ts --latency L` (Deno.serve) or " +
    "`node bench/echo_server_node.mjs --latency L` (Node's `http`), with L = 0 ms at 64 in " +
    `flight or 20 ms at 256 in flight; ${fmt(size.e2e)} POSTs per run, ${size.rounds} ` +
    "interleaved round(s) per scenario. Requests/s are N ÷ the wall time of the whole " +
    "process, spawn to exit (start-up, and for sluice and the seed's job reading the input and " +
    "the database, included), best of the rounds. CPU µs per request is the user + system CPU " +
    "time of the client process (all its threads; `/usr/bin/time`'s %U + %S, from the kernel's " +
    "rusage of the child) ÷ N, median of the rounds. Peak RSS is `/usr/bin/time`'s maximum " +
    "resident set size, highest of the rounds. `$TMP` is the bench's temporary directory; " +
    "`deno task sluice` is `deno run` with the permissions and V8 settings of deno.json's " +
    "`sluice` task.",
    "",
    toMarkdown(rows),
    "",
    "## Side by side",
    "",
    side,
    "",
    "## What limits throughput",
    "",
    limits,
    "",
    "## Rate modes",
    "",
    rateModes,
    "",
    "## Restart and crash safety",
    "",
    restart,
    "",
    // The section brings its own heading ("## Dashboard tabs").
    dashboard,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const outIndex = Deno.args.indexOf("--out");
  const quick = Deno.args.includes("--quick");
  const out = outIndex >= 0
    ? Deno.args[outIndex + 1]!
    : new URL(quick ? "./RESULTS.quick.md" : "./RESULTS.md", import.meta.url).pathname;
  const previous = await Deno.readTextFile(out).catch(() => "");
  const markdown = await main(Deno.args, previous);
  await Deno.writeTextFile(out, markdown);
  await Deno.stdout.write(new TextEncoder().encode(markdown));
  // Every row must be there, whatever was unavailable.
  const missing = ROWS.filter((row) => !markdown.includes(`| ${row.label} |`));
  if (missing.length > 0) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`bench: rows missing: ${missing.map((r) => r.id).join(", ")}\n`),
    );
    Deno.exit(1);
  }
}
