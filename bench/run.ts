/**
 * `deno task bench [--quick] [--out FILE]`: issue 5's benchmark. Every
 * scenario runs its contenders side by side in this one script, against the
 * same local echo server (its own process, 127.0.0.1), with bounded request
 * counts, and prints one markdown table that is also written to
 * bench/RESULTS.md (bench/RESULTS.quick.md with `--quick`). Sections from
 * bench/rate_modes.ts and bench/restart.ts follow when those files exist.
 *
 * `--quick` is the CI smoke run: small sizes, figures marked smoke-only, no
 * Crawlee install and no 4M-item run; it finishes in well under two minutes.
 *
 * @module
 */
import {
  aiohttpGather,
  aiohttpVersion,
  bareFetch,
  bareFetchArgs,
  crawlee,
  importProbe,
  importProbeArgs,
  type Place,
  ROOT,
  type Run,
  sequential,
  sluiceArgs,
  sluiceRun,
  type Unavailable,
} from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";
import { setupCrawlee } from "./crawlee.ts";
import { rowId, ROWS, type TableRow, toMarkdown } from "./_table.ts";
import { importBullet, limitsSection, profileDeno, wholeJobBullet } from "./_profile.ts";

const fmt = (x: number, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const perS = (r: Run) => `${fmt(r.perSecond)} req/s`;
const isRun = (r: Run | Unavailable): r is Run => !("unavailable" in r);
const best = (runs: Run[]) =>
  runs.filter((r) => !r.error).sort((a, b) => b.perSecond - a.perSecond)[0] ?? runs[0]!;

/** Sizes of each scenario. */
interface Sizes {
  rounds: number;
  e2e: number;
  slow: number;
  importN: number;
  bigRun: number;
  hugeImport: number;
  restart: number;
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
  fullRun: 4_000_000,
};
const QUICK: Sizes = {
  rounds: 1,
  e2e: 2_000,
  slow: 500,
  importN: 50_000,
  bigRun: 20_000,
  hugeImport: 200_000,
  restart: 100_000,
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
  return [
    `Deno ${Deno.version.deno}`,
    `${await run("/usr/bin/python3", ["--version"])} (aiohttp ${
      (await aiohttpVersion()) ?? "not installed"
    })`,
    `Node ${await run("node", ["--version"])}`,
    `${navigator.hardwareConcurrency} CPUs (${cpu})`,
  ].join(", ");
}

/** Runs every scenario; returns the rows of the table and what limits throughput. */
async function scenarios(
  quick: boolean,
  log: (line: string) => void,
): Promise<{ rows: TableRow[]; limits: string }> {
  const size = quick ? QUICK : FULL;
  const rows: TableRow[] = [];
  const judge = (ok: boolean) => quick ? "smoke-only" : ok ? "met" : "missed";
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-" });
  const server = await startEchoServer();
  const place: Place = { url: server.url, tmp };
  try {
    const input = `${tmp}/q${size.e2e}.jsonl`;
    await writeQueries(input, size.e2e);
    log(`echo server on ${server.url}; warming up`);
    await bareFetch(place, 2_000, 64);

    // Throughput: the same N POSTs, c64, contenders interleaved round by round.
    const c = 64;
    const hasAiohttp = (await aiohttpVersion()) !== undefined;
    const fetchRuns: Run[] = [];
    const sluiceRuns: Run[] = [];
    const aioRuns: (Run | Unavailable)[] = [];
    for (let round = 1; round <= size.rounds; round++) {
      log(`throughput round ${round}/${size.rounds}: ${size.e2e} POSTs each`);
      fetchRuns.push(await bareFetch(place, size.e2e, c));
      sluiceRuns.push(await sluiceRun(place, input, size.e2e, c, `${tmp}/e2e.db`));
      aioRuns.push(await aiohttpGather(place, size.e2e, c, hasAiohttp));
    }
    const bare = best(fetchRuns);
    const sluice = best(sluiceRuns);
    const aio = aioRuns.every(isRun) ? best(aioRuns) : aioRuns[0]!;
    log(`sequential loop and Crawlee: ${size.slow} POSTs`);
    const seq = await sequential(place, size.slow);
    const crawleeRun = await crawlee(place, size.slow, c, await setupCrawlee(!quick));
    const n = fmt(size.e2e);
    const ratioRow = (
      id: string,
      other: Run | Unavailable,
      otherName: string,
      target: number | undefined,
    ): TableRow => {
      if (!isRun(other)) {
        return {
          id,
          figure: `sluice ÷ ${otherName}`,
          contenders: `sluice ${perS(sluice)}; ${otherName}: unavailable (${other.unavailable})`,
          ratio: "—",
          target: target ? `≥ ${target}×` : "—",
          status: "unavailable",
          command: [other.command],
        };
      }
      const ratio = sluice.perSecond / other.perSecond;
      const error = sluice.error ?? other.error;
      return {
        id,
        figure: `sluice ÷ ${otherName}, requests/s`,
        contenders: `sluice ${perS(sluice)}; ${otherName} ${perS(other)} (${fmt(other.n)} POSTs)`,
        ratio: `${fmt(ratio, 2)}×`,
        target: target ? `≥ ${target}×` : "— (reported)",
        status: error ? `failed: ${error}` : target ? judge(ratio >= target) : "reported",
        command: [sluice.command, other.command],
      };
    };
    rows.push(ratioRow(rowId("e2e"), bare, "bare Deno fetch loop", 0.85));
    rows.push(ratioRow(rowId("aiohttp"), aio, "aiohttp + gather", 3));
    rows.push(ratioRow(rowId("crawlee"), crawleeRun, "Crawlee BasicCrawler", 10));
    rows.push(ratioRow(rowId("sequential"), seq, "sequential loop", undefined));

    log("CPU profiles: one more bare loop and one more sluice run");
    const limits = limitsSection({
      n: size.e2e,
      bare: await profileDeno(bareFetchArgs(place, size.e2e, c), ROOT),
      sluice: await profileDeno(sluiceArgs(place, input, c, `${tmp}/profile.db`).args, ROOT),
      perSecond: {
        sluice: sluice.perSecond,
        bare: bare.perSecond,
        ...(isRun(aio) && !aio.error ? { aiohttp: aio.perSecond } : {}),
      },
    });

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
      figure: "queries/s from JSONL into the queue (read, validate, key, insert; one transaction)",
      contenders: `${fmt(imp.perSecond)} queries/s (${fmt(size.importN)} in ${
        fmt(imp.importMs / 1000, 2)
      } s)`,
      ratio: `${fmt(imp.perSecond / 150_000, 2)}× target`,
      target: "≥ 150,000/s",
      status: imp.error ? `failed: ${imp.error}` : judge(imp.perSecond >= 150_000),
      command: [imp.command],
    });

    // Memory.
    const small = sluiceRuns.filter((r) => !r.error && r.peakMb !== undefined)
      .sort((a, b) => b.peakMb! - a.peakMb!)[0] ?? sluice;
    rows.push({
      id: rowId("rss"),
      figure: `peak RSS of a whole run (${n} items, import + send + store)`,
      contenders: `sluice ${fmt(small.peakMb ?? NaN)} MB`,
      ratio: "—",
      target: "≤ 300 MB",
      status: small.error ? `failed: ${small.error}` : judge((small.peakMb ?? Infinity) <= 300),
      command: [small.command],
    });
    log(`memory: a ${size.bigRun}-item run`);
    const bigInput = `${tmp}/q${size.bigRun}.jsonl`;
    await writeQueries(bigInput, size.bigRun);
    const big = await sluiceRun(place, bigInput, size.bigRun, c, `${tmp}/big.db`);
    await Deno.remove(bigInput).catch(() => {});
    const growth = (big.peakMb ?? NaN) / (small.peakMb ?? NaN);
    rows.push({
      id: rowId("rss-growth"),
      figure: `peak RSS, ${fmt(size.bigRun)}-item run ÷ ${n}-item run`,
      contenders: `${fmt(big.peakMb ?? NaN)} MB ÷ ${fmt(small.peakMb ?? NaN)} MB (the big run: ${
        perS(big)
      })`,
      ratio: `${fmt(growth, 2)}×`,
      target: "≤ 1.3×",
      status: big.error ? `failed: ${big.error}` : judge(growth <= 1.3),
      command: [big.command],
    });
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
      status: huge.error ? `failed: ${huge.error}` : judge((huge.peakMb ?? Infinity) < 300),
      command: [huge.command],
    });

    // Restart to the first request, through bench/restart.ts.
    log(`restart: ${size.restart} items in the database`);
    rows.push(await restartRow(size.restart, quick));

    // The whole job.
    if (size.fullRun === undefined) {
      rows.push({
        id: rowId("full"),
        figure: "wall time of a 4,000,000-item run, --rate none, c64",
        contenders: "not run: full bench only",
        ratio: "—",
        target: "completes; aim < 12 min",
        status: "not run (--quick)",
        command: ["deno task bench"],
      });
    } else {
      log(`the whole job: ${size.fullRun} items (several minutes)`);
      const run = await sluiceRun(place, hugeInput, size.fullRun, c, `${tmp}/full.db`);
      rows.push({
        id: rowId("full"),
        figure: `wall time of a ${fmt(size.fullRun)}-item run, --rate none, c64 (import included)`,
        contenders: `${fmt(run.wallMs / 60_000, 1)} min (${perS(run)}), peak RSS ${
          fmt(run.peakMb ?? NaN)
        } MB`,
        ratio: "—",
        target: "completes; aim < 12 min",
        status: run.error ? `failed: ${run.error}` : judge(run.wallMs < 12 * 60_000),
        command: [run.command],
      });
      if (!run.error && run.wallMs >= 12 * 60_000) {
        more.push(wholeJobBullet(size.fullRun, run.perSecond, sluice.perSecond, size.e2e));
      }
    }
    await Deno.remove(hugeInput).catch(() => {});
    return { rows, limits: [limits, ...more].join("\n") };
  } finally {
    await server.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function restartRow(items: number, quick: boolean): Promise<TableRow> {
  const base = {
    id: rowId("restart"),
    figure: `restart → first request sent, ${fmt(items)} items in the database (after a kill -9)`,
    ratio: "—",
    target: "< 1 s",
  };
  const url = new URL("./restart.ts", import.meta.url);
  try {
    const { measureRestart } = await import(url.href) as {
      measureRestart?: (
        items: number,
        restarts: number,
      ) => Promise<{ firstRequestMs: number; startLineMs: number; args: string[] }>;
    };
    if (!measureRestart) throw new Error("bench/restart.ts exports no measureRestart()");
    const r = await measureRestart(items, quick ? 3 : 5);
    return {
      ...base,
      contenders: `${fmt(r.firstRequestMs)} ms (median; "resuming" line at ${
        fmt(r.startLineMs)
      } ms)`,
      status: quick ? "smoke-only" : r.firstRequestMs < 1000 ? "met" : "missed",
      command: [
        `deno task sluice ${
          r.args.join(" ").replace(/file:\S+/, "file:$TMP/restart.db")
        } (bench/restart.ts measureRestart)`,
      ],
    };
  } catch (error) {
    return {
      ...base,
      contenders: "unavailable",
      status: `unavailable: ${error instanceof Error ? error.message : String(error)}`,
      command: ["bench/restart.ts"],
    };
  }
}

/** Runs the bench; returns the whole markdown document. */
export async function main(args: string[]): Promise<string> {
  const quick = args.includes("--quick");
  const log = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(`bench: ${line}\n`));
  const started = performance.now();
  const { rows, limits } = await scenarios(quick, log);
  log("sections from bench/rate_modes.ts and bench/restart.ts");
  const rateModes = await section("rate_modes.ts", quick);
  const restart = await section("restart.ts", quick);
  const minutes = (performance.now() - started) / 60_000;
  return [
    `# sluice benchmark${quick ? " (--quick: smoke-only sizes)" : ""}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`deno task bench${
      quick ? " --quick" : ""
    }\` in ${fmt(minutes, 1)} min; ${await versions()}.`,
    "",
    "Every contender does the same work in its own process: N POSTs of a small JSON body " +
    '(`{"q":"query i"}`), 64 in flight, to one echo server (`deno run --allow-net ' +
    "bench/echo_server.ts`, its own process on 127.0.0.1, a fixed JSON answer) at `$URL`. " +
    "Requests/s are N ÷ the wall time of the whole process, spawn to exit (start-up, and for " +
    `sluice the import and the database, included); best of ${
      quick ? QUICK.rounds : FULL.rounds
    } interleaved rounds. Peak RSS is \`/usr/bin/time\`'s maximum resident set size. \`$TMP\` ` +
    "is the bench's temporary directory; `deno task sluice` is `deno run` with the permissions " +
    "of deno.json's `sluice` task.",
    "",
    toMarkdown(rows),
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
  ].join("\n");
}

if (import.meta.main) {
  const outIndex = Deno.args.indexOf("--out");
  const quick = Deno.args.includes("--quick");
  const out = outIndex >= 0
    ? Deno.args[outIndex + 1]!
    : new URL(quick ? "./RESULTS.quick.md" : "./RESULTS.md", import.meta.url).pathname;
  const markdown = await main(Deno.args);
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
