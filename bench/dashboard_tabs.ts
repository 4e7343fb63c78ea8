/**
 * What an open dashboard costs a run (issue 13: with 5 tabs open on a
 * 200k-item run, throughput drops by at most 5%). The same
 * `sluice run --dashboard 0` against the bench's echo server, side by side in
 * interleaved rounds (the order turned each round):
 *
 * - **none**: no page open (Chromium running, idle);
 * - **clients**: `--tabs` plain HTTP clients doing to the server what a tab
 *   does (the page, its assets, the live-update stream): the cost to sluice;
 * - **tabs**: `--tabs` tabs of Debian's Chromium in one window, as a user
 *   leaves them: the first in front, the others opened behind it (so
 *   `document.hidden` in those; see bench/_chromium_tabs.ts for why not
 *   playwright-core, whose pages are all kept visible); the acceptance row;
 * - **windows** (with `--windows`): `--tabs` windows side by side, every page
 *   in sight and drawing: the worst case, shown for what it is.
 *
 * Tabs open as soon as the dashboard listens (the import is done by then),
 * one after another, and stay open to the end; throughput is items ÷ the time
 * from then to the process's exit, best of the rounds. Chromium shares the
 * machine with sluice and the echo server, so its CPU (every process of it,
 * from /proc, over the run) is what a tab costs the run; sluice's own CPU per
 * 1,000 items comes from GNU time.
 *
 * Usage: `deno run --allow-all bench/dashboard_tabs.ts [--items 200000] [--tabs 5] [--rounds 2] [--windows] [--quick]`
 * (--allow-all: Chromium's CPU is read from /proc, which Deno grants only to it).
 *
 * @module
 */
import { CHROMIUM, Chromium, type Tab } from "./_chromium_tabs.ts";
import { type Place, sluiceArgs } from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";

const GNU_TIME = "/usr/bin/time";
const TARGET_DROP = 0.05;

/** How the pages are opened. */
type Variant = "none" | "clients" | "tabs" | "windows";

/** What one run measured. */
interface RunResult {
  perSecond: number;
  /** sluice's user + system CPU per 1,000 items, ms (GNU time). */
  cpuMsPerThousand: number | undefined;
  /** Chromium's CPU seconds from the dashboard's start to the exit. */
  chromiumCpu: number;
  /** Seconds to open every page. */
  openSeconds: number;
  /** Each tab's visibility once open. */
  visibility: string[];
}

/** Sizes of a run; {@linkcode main} picks them from `quick`. */
export interface DashboardTabsOptions {
  /** Items of each run. @default 200_000 (quick: 50_000) */
  items?: number;
  /** Pages open. @default 5 */
  tabs?: number;
  /** Rounds of every variant. @default 2 (quick: 1) */
  rounds?: number;
  /** Also the worst case: every page in a window of its own, all in sight. @default false */
  windows?: boolean;
}

/**
 * What a tab does to the server, without drawing: trades the token for the
 * cookie, loads the page and its assets, and reads the live updates until
 * the server goes away.
 */
async function openClient(url: string): Promise<void> {
  const first = await fetch(url, { redirect: "manual" });
  await first.body?.cancel();
  const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
  const origin = new URL(url).origin;
  const page = await (await fetch(origin + "/", { headers: { cookie } })).text();
  const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  for (const path of [...assets, "/assets/charts.js", "/assets/series.js", "/assets/dom.js"]) {
    await (await fetch(origin + path, { headers: { cookie } })).arrayBuffer();
  }
  const events = await fetch(`${origin}/events`, { headers: { cookie } });
  (async () => {
    for await (const _ of events.body!) { /* the updates, read as a page reads them */ }
  })().catch(() => {});
}

/** One run with `tabs` pages open the `variant` way. */
async function measureRun(
  place: Place,
  input: string,
  items: number,
  variant: Variant,
  tabs: number,
  chromium: Chromium,
): Promise<RunResult> {
  const db = `${place.tmp}/${variant}.db`;
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const { args } = sluiceArgs(place, input, 64, db);
  const sluice = [Deno.execPath(), ...args, "--dashboard", "0"];
  // GNU time reports the run's CPU time: less swayed than its wall time by other work on the machine.
  const timed = await Deno.stat(GNU_TIME).then(() => true, () => false);
  const child = new Deno.Command(timed ? GNU_TIME : sluice[0]!, {
    args: timed ? ["-f", "cpu-seconds %U %S", ...sluice] : sluice.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  let stderr = "";
  let url: string | undefined;
  let started = 0;
  let chromiumBefore = 0;
  let openSeconds = 0;
  let opened: Promise<Tab[]> = Promise.resolve([]);
  for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += text;
    const found = url === undefined && /dashboard on (http:\/\/\S+)/.exec(stderr)?.[1];
    if (!found) continue;
    url = found;
    started = performance.now();
    chromiumBefore = await chromium.cpuSeconds();
    // Opened while the run goes on; stderr is read meanwhile, so sluice never blocks on it.
    opened = (async () => {
      if (variant === "clients") { for (let i = 0; i < tabs; i++) await openClient(found); }
      const pages = variant === "tabs" || variant === "windows"
        ? await chromium.openTabs(found, tabs, variant === "windows")
        : [];
      openSeconds = (performance.now() - started) / 1000;
      return pages;
    })();
  }
  await child.status;
  const seconds = (performance.now() - started) / 1000;
  const pages = await opened;
  const chromiumCpu = (await chromium.cpuSeconds()) - chromiumBefore;
  const visibility = await chromium.visibility(pages);
  await chromium.closeTabs(pages);
  if (!url || !new RegExp(`\\b${items}/${items} done, 0 failed`).test(stderr)) {
    throw new Error(`The run did not finish every item: ${stderr.trim().slice(-400)}`);
  }
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(stderr);
  return {
    perSecond: items / seconds,
    cpuMsPerThousand: cpu ? ((Number(cpu[1]) + Number(cpu[2])) * 1e6) / items : undefined,
    chromiumCpu,
    openSeconds,
    visibility,
  };
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const loadAverage = async () =>
  (await Deno.readTextFile("/proc/loadavg").catch(() => "? ? ?")).split(" ").slice(0, 3).join(" ");

/**
 * Runs the benchmark and returns its markdown section: the command, the
 * rounds, each variant's row and the acceptance ratio against the 5% target,
 * met or missed with what limits it.
 */
export async function main(quick: boolean, options: DashboardTabsOptions = {}): Promise<string> {
  const {
    items = quick ? 50_000 : 200_000,
    tabs = 5,
    rounds = quick ? 1 : 2,
    windows = false,
  } = options;
  const variants: Variant[] = ["none", "clients", "tabs", ...(windows ? ["windows" as const] : [])];
  if (!(await Deno.stat(CHROMIUM).then(() => true, () => false))) {
    return `## Dashboard tabs\n\nNot measured: ${CHROMIUM} is not installed.\n`;
  }
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-tabs-" });
  const echo = await startEchoServer();
  const chromium = await Chromium.launch(`${tmp}/profile`);
  const loadBefore = await loadAverage();
  const runs = new Map<Variant, RunResult[]>(variants.map((v) => [v, []]));
  try {
    const place = { url: echo.url, tmp };
    const input = `${tmp}/q${items}.jsonl`;
    await writeQueries(input, items);
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const variant of order) {
        runs.get(variant)!.push(await measureRun(place, input, items, variant, tabs, chromium));
      }
    }
  } finally {
    await chromium.close();
    await echo.stop();
    await Deno.remove(tmp, { recursive: true });
  }
  const loadAfter = await loadAverage();
  const of = (v: Variant) => runs.get(v)!;
  const best = (v: Variant) => Math.max(...of(v).map((r) => r.perSecond));
  const bestRun = (v: Variant) => of(v).find((r) => r.perSecond === best(v))!;
  const least = (v: Variant) => Math.min(...of(v).map((r) => r.cpuMsPerThousand ?? NaN));
  const drop = (v: Variant) => 1 - best(v) / best("none");
  const command = `deno run --allow-all bench/dashboard_tabs.ts --items ${items} --tabs ${tabs} ` +
    `--rounds ${rounds}${windows ? " --windows" : ""}`;
  const browserText = (v: Variant) => {
    const r = bestRun(v);
    const seen = r.visibility.filter((s) => s === "visible").length;
    return `; pages open after ${fmt(r.openSeconds, 1)} s (${seen} of ${r.visibility.length} ` +
      `visible); Chromium's CPU over the run ${fmt(r.chromiumCpu, 1)} s`;
  };
  const row = (v: Variant, what: string) =>
    `| ${what} | ${fmt(best(v))} items/s (${of(v).map((r) => fmt(r.perSecond)).join(", ")})` +
    `; sluice ${fmt(least(v))} ms CPU per 1,000 items${v === "clients" ? "" : browserText(v)} | ` +
    `${(best(v) / best("none")).toFixed(3)}× (drop ${fmt(drop(v) * 100, 1)}%) | ` +
    `drop ≤ ${TARGET_DROP * 100}% | ${drop(v) <= TARGET_DROP ? "met" : "missed"} |`;
  const tabsRun = bestRun("tabs");
  const sluiceCpu = (least("tabs") * items) / 1e6;
  const met = drop("tabs") <= TARGET_DROP;
  const limits = met
    ? `Chromium took ${fmt(tabsRun.chromiumCpu, 1)} CPU-seconds over the run, ` +
      `${fmt((100 * tabsRun.chromiumCpu) / sluiceCpu)}% of sluice's own`
    : `Limited by: Chromium took ${fmt(tabsRun.chromiumCpu, 1)} CPU-seconds over the run ` +
      `(${fmt((100 * tabsRun.chromiumCpu) / sluiceCpu)}% of sluice's ${fmt(sluiceCpu, 1)} s), ` +
      `opening the ${tabs} tabs took ${fmt(tabsRun.openSeconds, 1)} s of the run's ` +
      `${fmt(items / tabsRun.perSecond, 1)} s, on a 2-core machine shared with the echo server ` +
      `(load average ${loadBefore} before, ${loadAfter} after)`;
  return [
    "## Dashboard tabs",
    "",
    `\`${command}\`: ${rounds} round${rounds === 1 ? "" : "s"} of ${variants.join(", ")}, ` +
    `interleaved; ${fmt(items)} items, \`sluice run --rate none --concurrency 64 --dashboard 0\` ` +
    `against the bench's echo server; load average ${loadBefore} before, ${loadAfter} after.`,
    "",
    "| scenario | best of the rounds (all rounds) | ratio to none | target | met? |",
    "| --- | --- | --- | --- | --- |",
    `| no page open | ${fmt(best("none"))} items/s (${
      of("none").map((r) => fmt(r.perSecond)).join(", ")
    }); sluice ${fmt(least("none"))} ms CPU per 1,000 items; Chromium (open, no tab) ${
      fmt(bestRun("none").chromiumCpu, 1)
    } s CPU over the run | 1.000× | | |`,
    row("clients", `${tabs} plain HTTP clients (page, assets, live stream): the cost to sluice`),
    row("tabs", `${tabs} Chromium tabs, one in front (acceptance)`),
    ...(variants.includes("windows")
      ? [row("windows", `${tabs} Chromium windows side by side, all drawing (worst case)`)]
      : []),
    "",
    `Acceptance (issue 13, ${tabs} tabs on a ${fmt(items)}-item run, drop ≤ 5%): ` +
    `${(best("tabs") / best("none")).toFixed(3)}× (drop ${fmt(drop("tabs") * 100, 1)}%), ` +
    `${met ? "met" : "missed"}. ${limits}.`,
    "",
  ].join("\n");
}

function flag(name: string): number | undefined {
  const at = Deno.args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(Deno.args[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot use ${name} as a whole number: current value is '${Deno.args[at + 1]}'`,
    );
  }
  return value;
}

if (import.meta.main) {
  const section = await main(Deno.args.includes("--quick"), {
    ...(flag("--items") !== undefined ? { items: flag("--items") } : {}),
    ...(flag("--tabs") !== undefined ? { tabs: flag("--tabs") } : {}),
    ...(flag("--rounds") !== undefined ? { rounds: flag("--rounds") } : {}),
    windows: Deno.args.includes("--windows"),
  });
  await Deno.stdout.write(new TextEncoder().encode(section));
}
