/**
 * What an open dashboard costs a run (issue 13: with 5 tabs open on a
 * 200k-item run, throughput drops by at most 5%). The same
 * `sluice run --dashboard 0` against the bench's echo server, side by side in
 * interleaved rounds (the order turned each round):
 *
 * - **none**: no page open (Chromium running, idle);
 * - **clients**: `--tabs` plain HTTP clients doing to the server what a tab
 *   does (the page, its assets, the live-update stream): the cost to sluice,
 *   measured as two runs at the same time, one with the clients and one with
 *   none, so that the machine's drift (larger than this cost) is the same for
 *   both;
 * - **tabs**: `--tabs` tabs of Debian's Chromium in one window, as a user
 *   leaves them: the first in front, the others opened behind it (so
 *   `document.hidden` in those; see bench/_chromium_tabs.ts for why not
 *   playwright-core, whose pages are all kept visible); the acceptance row;
 * - **opening**: the same tabs opened one after another once the run goes,
 *   so Chromium's cost of opening them (~0.5 CPU-s a tab, even an empty one)
 *   falls in the timed span;
 * - **windows** (with `--windows`): `--tabs` windows side by side, every page
 *   in sight and drawing: the worst case, shown for what it is.
 *
 * Each run is paused from the dashboard before its first request, the pages
 * are opened, and it is resumed (bench/_dashboard_run.ts): throughput is items
 * ÷ the time from the resume to the exit. This machine's speed drifts by
 * ±20% over minutes, so a variant's ratio is the median over the rounds of
 * its throughput ÷ that of the round's run with no page; the acceptance pair
 * (no page, tabs) runs in every round, the other variants in the first few. Chromium shares the
 * machine with sluice and the echo server; its CPU (every process of it, from
 * /proc) is reported for the timed span; sluice's own CPU per 1,000 items
 * comes from GNU time.
 *
 * Usage: `deno run --allow-all bench/dashboard_tabs.ts [--items 200000] [--tabs 5] [--rounds 7] [--side-rounds 3] [--windows] [--quick]`
 * (--allow-all: Chromium's CPU is read from /proc, which Deno grants only to it).
 *
 * @module
 */
import { CHROMIUM, Chromium } from "./_chromium_tabs.ts";
import {
  measureRun,
  measureSideBySide,
  type RunResult,
  type SideBySide,
  type Variant,
} from "./_dashboard_run.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";

const TARGET_DROP = 0.05;
const GNU_TIME = "/usr/bin/time";
/** The acceptance pair, run every round; the other variants run in the first rounds only. */
const PAIR: readonly Variant[] = ["none", "tabs"];

/** Sizes of a run; {@linkcode main} picks them from `quick`. */
export interface DashboardTabsOptions {
  /** Items of each run. @default 200_000 (quick: 50_000) */
  items?: number;
  /** Pages open. @default 5 */
  tabs?: number;
  /** Rounds of the acceptance pair (no page, tabs). @default 7 (quick: 1) */
  rounds?: number;
  /** Rounds, among the first, that also run the other variants. @default 3 (quick: 1) */
  sideRounds?: number;
  /** Also the worst case: every page in a window of its own, all in sight. @default false */
  windows?: boolean;
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const loadAverage = async () =>
  (await Deno.readTextFile("/proc/loadavg").catch(() => "? ? ?")).split(" ").slice(0, 3).join(" ");

/** Every run of the variants, by variant, and the side-by-side pairs of the clients row. */
interface Measured {
  runs: Map<Variant, RunResult[]>;
  beside: SideBySide[];
}

/**
 * Runs no page and tabs `rounds` times and the other variants (and the
 * clients beside no page) in the first `sideRounds` rounds, interleaved, the
 * order turned each round.
 */
async function measureAll(
  items: number,
  tabs: number,
  rounds: number,
  sideRounds: number,
  variants: Variant[],
): Promise<Measured> {
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-tabs-" });
  const echo = await startEchoServer();
  const chromium = await Chromium.launch(`${tmp}/profile`);
  const runs = new Map<Variant, RunResult[]>(variants.map((v) => [v, []]));
  const beside: SideBySide[] = [];
  try {
    const place = { url: echo.url, tmp };
    const input = `${tmp}/q${items}.jsonl`;
    await writeQueries(input, items);
    for (let round = 0; round < rounds; round++) {
      const these = round < sideRounds ? variants : variants.filter((v) => PAIR.includes(v));
      const order = these.map((_, i) => these[(i + round) % these.length]!);
      for (const variant of order) {
        runs.get(variant)!.push(await measureRun(place, input, items, variant, tabs, chromium));
      }
      if (round < sideRounds) {
        beside.push(await measureSideBySide(place, input, items, tabs));
      }
    }
  } finally {
    await chromium.close();
    await echo.stop();
    await Deno.remove(tmp, { recursive: true });
  }
  return { runs, beside };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The clients row: each pair's ratios, the median first. */
function besideRow(beside: SideBySide[], clients: number): string {
  const list = (pick: (p: SideBySide) => number) =>
    beside.map((p) => pick(p).toFixed(3)).join(", ");
  const rate = median(beside.map((p) => p.rate));
  return `| ${clients} plain HTTP clients (page, assets, live stream), run at the same time as a ` +
    `run with no page: the cost to sluice | sluice's CPU per item ${
      median(beside.map((p) => p.cpu)).toFixed(3)
    }× the other run's (each pair ${list((p) => p.cpu)}) | ${rate.toFixed(3)}× (drop ${
      fmt((1 - rate) * 100, 1)
    }%; each pair ${list((p) => p.rate)}) | | |`;
}

/**
 * Runs the benchmark and returns its markdown section: the command, the
 * rounds, each variant's row and the acceptance ratio against the 5% target,
 * met or missed with what limits it.
 */
export async function main(quick: boolean, options: DashboardTabsOptions = {}): Promise<string> {
  const {
    items = quick ? 50_000 : 200_000,
    tabs = 5,
    rounds = quick ? 1 : 7,
    sideRounds = quick ? 1 : 3,
    windows = false,
  } = options;
  const variants: Variant[] = sideRounds > 0
    ? ["none", "tabs", "opening", ...(windows ? ["windows" as const] : [])]
    : [...PAIR];
  for (const needed of [CHROMIUM, GNU_TIME]) {
    if (!(await Deno.stat(needed).then(() => true, () => false))) {
      return `## Dashboard tabs\n\nNot measured: ${needed} is not installed.\n`;
    }
  }
  const loadBefore = await loadAverage();
  const { runs, beside } = await measureAll(
    items,
    tabs,
    rounds,
    Math.min(sideRounds, rounds),
    variants,
  );
  const loadAfter = await loadAverage();
  const of = (v: Variant) => runs.get(v)!;
  // Each round's run divided by the same round's run with no page: the machine's drift cancels.
  const ratio = (v: Variant) => median(of(v).map((r, i) => r.perSecond / of("none")[i]!.perSecond));
  const drop = (v: Variant) => 1 - ratio(v);
  const mid = (v: Variant, pick: (r: RunResult) => number) => median(of(v).map(pick));
  const command = `deno run --allow-all bench/dashboard_tabs.ts --items ${items} --tabs ${tabs} ` +
    `--rounds ${rounds} --side-rounds ${sideRounds}${windows ? " --windows" : ""}`;
  const chromiumText = (v: Variant) => {
    const seen = of(v).at(-1)!.visibility.filter((s) => s === "visible").length;
    const opening = v === "opening"
      ? `opened in ${fmt(mid(v, (r) => r.openSeconds), 1)} s of the span`
      : `opened in ${fmt(mid(v, (r) => r.openSeconds), 1)} s before the resume (Chromium ` +
        `${fmt(mid(v, (r) => r.openingCpu), 1)} CPU-s)`;
    return `; ${opening}, ${seen} of ${tabs} visible; Chromium ` +
      `${fmt(mid(v, (r) => r.chromiumCpu), 1)} CPU-s in the span`;
  };
  const cells = (v: Variant) =>
    `${fmt(mid(v, (r) => r.perSecond))} items/s (${
      of(v).map((r) => fmt(r.perSecond)).join(", ")
    })` +
    `; sluice ${fmt(mid(v, (r) => r.cpuMsPerThousand))} ms CPU per 1,000 items`;
  const row = (v: Variant, what: string, target: boolean) =>
    `| ${what} | ${cells(v)}${chromiumText(v)} | ` +
    `${ratio(v).toFixed(3)}× (drop ${fmt(drop(v) * 100, 1)}%; rounds ${
      of(v).map((r, i) => (r.perSecond / of("none")[i]!.perSecond).toFixed(3)).join(", ")
    }) | ${
      target ? `drop ≤ ${TARGET_DROP * 100}% | ${drop(v) <= TARGET_DROP ? "met" : "missed"}` : " | "
    } |`;
  const side = (v: Variant, what: string) => runs.has(v) ? [row(v, what, false)] : [];
  const nonePerSecond = of("none").map((r) => r.perSecond);
  const met = drop("tabs") <= TARGET_DROP;
  const tabsCpu = mid("tabs", (r) => r.chromiumCpu);
  const span = items / mid("tabs", (r) => r.perSecond);
  return [
    "## Dashboard tabs",
    "",
    `\`${command}\`: ${rounds} round${rounds === 1 ? "" : "s"} of no page and tabs` +
    (variants.length > PAIR.length
      ? `, the first ${Math.min(sideRounds, rounds)} also of ` +
        variants.filter((v) => !PAIR.includes(v)).join(", ")
      : "") +
    `, interleaved; ${
      fmt(items)
    } items, \`sluice run --rate none --concurrency 64 --dashboard 0\` ` +
    `against the bench's echo server, paused from the dashboard before its first request, the ` +
    `pages opened, resumed after 2 s; timed from the resume to the exit. Medians of the rounds; ` +
    `a ratio is the median of each round's run ÷ that round's run with no page. Load average ` +
    `${loadBefore} before, ${loadAfter} after.`,
    "",
    "| scenario | items/s, median (each round) | ratio to none | target | met? |",
    "| --- | --- | --- | --- | --- |",
    `| no page open | ${cells("none")}; Chromium (open, no tab) ${
      fmt(mid("none", (r) => r.chromiumCpu), 1)
    } CPU-s in the span | 1.000× | | |`,
    ...(beside.length > 0 ? [besideRow(beside, tabs)] : []),
    row("tabs", `${tabs} Chromium tabs open, one in front (acceptance)`, true),
    ...side("opening", `the same ${tabs} tabs opened while the run goes (their opening timed too)`),
    ...side("windows", `${tabs} Chromium windows side by side, all drawing (worst case)`),
    "",
    `Acceptance (issue 13, ${tabs} tabs open on a ${fmt(items)}-item run, drop ≤ 5%): ` +
    `${ratio("tabs").toFixed(3)}× (drop ${fmt(drop("tabs") * 100, 1)}%), ${
      met ? "met" : "missed"
    }. ` +
    `Chromium took ${fmt(tabsCpu, 1)} CPU-s over the ${fmt(span, 1)} s span ` +
    `(${
      fmt((100 * tabsCpu) / span)
    }% of one core) on a 2-core machine shared with sluice and the ` +
    `echo server.${
      runs.has("opening")
        ? ` Opening the tabs while the run goes costs ${
          fmt(drop("opening") * 100, 1)
        }% (the opening row).`
        : ""
    } The runs with no page ranged ${fmt(Math.min(...nonePerSecond))}–${
      fmt(Math.max(...nonePerSecond))
    } items/s (${
      fmt((100 * (Math.max(...nonePerSecond) - Math.min(...nonePerSecond))) / median(nonePerSecond))
    }% ` +
    `of their median apart): this machine's own spread between runs.`,
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
    ...(flag("--side-rounds") !== undefined ? { sideRounds: flag("--side-rounds") } : {}),
    windows: Deno.args.includes("--windows"),
  });
  await Deno.stdout.write(new TextEncoder().encode(section));
}
