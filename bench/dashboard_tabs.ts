/**
 * What an open dashboard costs a run: the same `sluice run --dashboard` with
 * no page open; with `--tabs` pages open from the start of sending to the
 * end, as plain HTTP clients doing what a tab does to the server (the page,
 * its assets, the live-update stream: the cost to sluice itself); and with
 * `--tabs` tabs of Debian's Chromium (through playwright-core), whose
 * drawing also takes CPU from the same machine. Side by side in interleaved
 * rounds against the bench's echo server. Throughput is items ÷ the time
 * from the dashboard's start (the import is done by then) to the process's
 * exit; best of the rounds. Prints a markdown section.
 *
 * Usage: `deno run --allow-all bench/dashboard_tabs.ts [--items 200000] [--tabs 5] [--rounds 2]`
 * (--allow-all: playwright-core reads /proc, which Deno grants only to it).
 *
 * @module
 */
import { type Place, sluiceArgs } from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";

const CHROMIUM = "/usr/bin/chromium";
const GNU_TIME = "/usr/bin/time";

async function hasGnuTime(): Promise<boolean> {
  return await Deno.stat(GNU_TIME).then(() => true, () => false);
}
const TARGET_DROP = 0.05;

interface Browser {
  newContext(): Promise<{
    newPage(): Promise<{ goto(url: string): Promise<unknown> }>;
    close(): Promise<void>;
  }>;
  close(): Promise<void>;
}

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(name);
  const value = at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Cannot use ${name} as a whole number: current value is '${value}'`);
  }
  return value;
}

/** How the tabs are opened. */
type Variant = "none" | "clients" | "chromium";

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
  for (
    const path of [
      "/",
      "/assets/uplot.css",
      "/assets/app.css",
      "/assets/uplot.js",
      "/assets/app.js",
    ]
  ) {
    await (await fetch(origin + path, { headers: { cookie } })).arrayBuffer();
  }
  const events = await fetch(`${origin}/events`, { headers: { cookie } });
  (async () => {
    for await (const _ of events.body!) { /* the updates, read as a page reads them */ }
  })().catch(() => {});
}

/** One run: items per second from the dashboard's start to the exit, with `tabs` open. */
async function measureRun(
  place: Place,
  input: string,
  items: number,
  variant: Variant,
  tabs: number,
  browser: Browser | undefined,
): Promise<{ perSecond: number; cpuMsPerThousand: number | undefined; command: string }> {
  const db = `${place.tmp}/${variant}.db`;
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const { args, command } = sluiceArgs(place, input, 64, db);
  // GNU time reports the run's CPU time: less swayed than its wall time by other work on the machine.
  const timed = await hasGnuTime();
  const sluice = [Deno.execPath(), ...args, "--dashboard", "0"];
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
  let context: Awaited<ReturnType<Browser["newContext"]>> | undefined;
  for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += text;
    const found = url === undefined && /dashboard on (http:\/\/\S+)/.exec(stderr)?.[1];
    if (found) {
      url = found;
      started = performance.now();
      if (variant === "clients") { for (let i = 0; i < tabs; i++) await openClient(url); }
      if (variant === "chromium" && browser) {
        context = await browser.newContext();
        for (let i = 0; i < tabs; i++) await (await context.newPage()).goto(url);
      }
    }
  }
  await child.status;
  const seconds = (performance.now() - started) / 1000;
  await context?.close();
  if (!url || !new RegExp(`\\b${items}/${items} done, 0 failed`).test(stderr)) {
    throw new Error(`The run did not finish every item: ${stderr.trim().slice(-400)}`);
  }
  const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(stderr);
  return {
    perSecond: items / seconds,
    cpuMsPerThousand: cpu ? ((Number(cpu[1]) + Number(cpu[2])) * 1e6) / items : undefined,
    command: `${command} --dashboard 0${
      variant === "none" ? "" : ` (${tabs} ${variant === "chromium" ? "Chromium tabs" : "clients"})`
    }`,
  };
}

const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

if (import.meta.main) {
  const items = flag("--items", 200_000);
  const tabs = flag("--tabs", 5);
  const rounds = flag("--rounds", 2);
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-tabs-" });
  const echo = await startEchoServer();
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const place = { url: echo.url, tmp };
    const input = `${tmp}/q${items}.jsonl`;
    await writeQueries(input, items);
    const runs: Record<Variant, number[]> = { none: [], clients: [], chromium: [] };
    const cpu: Record<Variant, number[]> = { none: [], clients: [], chromium: [] };
    const commands = new Map<Variant, string>();
    const variants: Variant[] = ["none", "clients", "chromium"];
    for (let round = 0; round < rounds; round++) {
      // Interleaved, the order turned each round.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      for (const variant of order) {
        const run = await measureRun(place, input, items, variant, tabs, browser);
        runs[variant].push(run.perSecond);
        if (run.cpuMsPerThousand !== undefined) cpu[variant].push(run.cpuMsPerThousand);
        commands.set(variant, run.command);
      }
    }
    const best = (variant: Variant) => Math.max(...runs[variant]);
    const all = (variant: Variant) => runs[variant].map(fmt).join(", ");
    const cell = (text: string) => text.replaceAll("|", "\\|");
    const shown = (variants: Variant[]) =>
      variants.map((v) => commands.get(v)!).map((c) =>
        `\`${cell(c.replaceAll(tmp, "$TMP").replaceAll(echo.url, "$URL"))}\``
      ).join("<br>");
    const least = (variant: Variant) => Math.min(...cpu[variant]);
    const cpuText = (variant: Variant) =>
      cpu[variant].length === 0
        ? ""
        : `; sluice's CPU time per 1,000 items (least of ${rounds}): ${
          fmt(least(variant))
        } ms with ${tabs} open, ${fmt(least("none"))} ms with none`;
    const row = (variant: Variant, what: string) => {
      const ratio = best(variant) / best("none");
      const drop = 1 - ratio;
      return `| ${what} | items/s with ${tabs} open ÷ with none (from the dashboard's start to ` +
        `the exit; best of ${rounds}) | ${tabs} open ${fmt(best(variant))} items/s (${
          all(variant)
        }); none ${fmt(best("none"))} items/s (${all("none")})${cpuText(variant)} | ${
          ratio.toFixed(3)
        }× (drop ${(drop * 100).toFixed(1)}%) | drop ≤ ${TARGET_DROP * 100}% | ${
          drop <= TARGET_DROP ? "met" : "missed"
        } | ${shown(["none", variant])} |`;
    };
    const lines = [
      "## Dashboard tabs",
      "",
      "| scenario | figure | contenders | ratio | target | met? | command |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      row("clients", `${tabs} tabs open on a ${fmt(items)}-item run: what they ask of sluice`),
      row("chromium", `${tabs} Chromium tabs open on a ${fmt(items)}-item run, same machine`),
      "",
    ];
    await Deno.stdout.write(new TextEncoder().encode(lines.join("\n")));
  } finally {
    await browser.close();
    await echo.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}
