/**
 * One measured `sluice run --dashboard 0` for bench/dashboard_tabs.ts: the run
 * is paused from the dashboard before its first request (while the queries
 * are imported), the pages are opened, everything settles, and the run is
 * resumed; throughput is items ÷ the time from the resume to the process's
 * exit. So the timed span is the whole run with the pages open, and every
 * variant goes through the same pause, settle and resume.
 *
 * @module
 */
import type { Chromium, Tab } from "./_chromium_tabs.ts";
import { type Place, sluiceArgs } from "./_contenders.ts";

const GNU_TIME = "/usr/bin/time";
/** Pause between the pages being open (or not) and the resume, in every variant. */
const SETTLE_MS = 2_000;

/**
 * How the pages are opened: none; Chromium tabs (one in front) or windows (all in sight), open before the resume; or tabs opened
 * after the resume, while the run goes (`opening`: Chromium's cost of opening
 * them falls in the timed span).
 */
export type Variant = "none" | "tabs" | "opening" | "windows";

/** What one run measured. */
export interface RunResult {
  /** Items ÷ seconds from the resume to the exit. */
  perSecond: number;
  /** sluice's user + system CPU per 1,000 items from the resume to the exit, ms. */
  cpuMsPerThousand: number;
  /** Chromium's CPU seconds while the pages were opened (before the resume; 0 for `opening`). */
  openingCpu: number;
  /** Chromium's CPU seconds from the resume to the exit. */
  chromiumCpu: number;
  /** Seconds to open every page. */
  openSeconds: number;
  /** Each tab's visibility once open. */
  visibility: string[];
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

/** Pauses or resumes the run through the dashboard, with the token of its address. */
async function control(url: string, action: "pause" | "resume"): Promise<void> {
  const { origin, searchParams } = new URL(url);
  const response = await fetch(`${origin}/api/${action}?token=${searchParams.get("token")}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  if (!response.ok) throw new Error(`${action}: ${response.status} ${await response.text()}`);
}

/** sluice's stderr, read as it comes, with a wait for a line that matches. */
class Stderr {
  text = "";
  readonly #waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        for (const waiter of [...this.#waiters]) {
          const match = waiter.pattern.exec(this.text);
          if (!match) continue;
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    })();
  }

  /** The first match of `pattern`; throws if sluice ends first. */
  async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    const now = pattern.exec(this.text);
    if (now) return now;
    const found = new Promise<RegExpExecArray>((resolve) =>
      this.#waiters.push({ pattern, resolve })
    );
    const ended = this.done.then(() => {
      throw new Error(`sluice ended before ${pattern}: ${this.text.trim().slice(-400)}`);
    });
    return await Promise.race([found, ended]);
  }
}

/** Opens the variant's pages: Chromium's tabs or windows. */
async function openPages(
  url: string,
  variant: Variant,
  tabs: number,
  chromium: Chromium,
): Promise<Tab[]> {
  if (variant === "none") return [];
  return await chromium.openTabs(url, tabs, variant === "windows");
}

/** sluice's CPU seconds so far (user + system), from /proc. */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/** A `sluice run --dashboard 0` paused from its dashboard before its first request, its queries imported. */
class PausedRun {
  #resumedAt = 0;
  #cpuAtResume = 0;

  private constructor(
    readonly url: string,
    readonly child: Deno.ChildProcess,
    readonly stderr: Stderr,
  ) {}

  static async start(place: Place, input: string, name: string): Promise<PausedRun> {
    const db = `${place.tmp}/${name}.db`;
    for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
    const { args } = sluiceArgs(place, input, 64, db);
    // GNU time reports the process's CPU time; the span's is that less the CPU at the resume.
    const child = new Deno.Command(GNU_TIME, {
      args: ["-f", "cpu-seconds %U %S", Deno.execPath(), ...args, "--dashboard", "0"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    }).spawn();
    const stderr = new Stderr(child.stderr);
    const url = (await stderr.waitFor(/dashboard on (http:\/\/\S+)/))[1]!;
    await control(url, "pause"); // before the first request: the limiter takes it when built
    await stderr.waitFor(/items imported/);
    return new PausedRun(url, child, stderr);
  }

  /** Resumes the run; the timed span starts. */
  async resume(): Promise<void> {
    const pid = Number(
      (await Deno.readTextFile(`/proc/${this.child.pid}/task/${this.child.pid}/children`)).trim(),
    );
    this.#cpuAtResume = await cpuSecondsOf(pid);
    await control(this.url, "resume");
    this.#resumedAt = performance.now();
  }

  /** Waits for the exit; items/s and sluice's CPU ms per 1,000 items over the span. */
  async finish(items: number): Promise<{ perSecond: number; cpuMsPerThousand: number }> {
    await this.child.status;
    const seconds = (performance.now() - this.#resumedAt) / 1000;
    await this.stderr.done;
    const text = this.stderr.text;
    if (!new RegExp(`\\b${items}/${items} done, 0 failed`).test(text)) {
      throw new Error(`The run did not finish every item: ${text.trim().slice(-400)}`);
    }
    const cpu = /cpu-seconds ([\d.]+) ([\d.]+)/.exec(text)!;
    const spanCpu = Number(cpu[1]) + Number(cpu[2]) - this.#cpuAtResume;
    return { perSecond: items / seconds, cpuMsPerThousand: (spanCpu * 1e6) / items };
  }
}

/** One run of `items` items with `tabs` pages open the `variant` way. */
export async function measureRun(
  place: Place,
  input: string,
  items: number,
  variant: Variant,
  tabs: number,
  chromium: Chromium,
): Promise<RunResult> {
  const run = await PausedRun.start(place, input, variant);
  const openStart = performance.now();
  const cpuAtOpen = await chromium.cpuSeconds();
  const before = variant === "opening" ? [] : await openPages(run.url, variant, tabs, chromium);
  let openSeconds = (performance.now() - openStart) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const cpuAtResume = await chromium.cpuSeconds();
  await run.resume();
  const resumed = performance.now();
  const during = variant === "opening"
    ? openPages(run.url, "tabs", tabs, chromium).finally(() => {
      openSeconds = (performance.now() - resumed) / 1000;
    })
    : Promise.resolve([]);
  const { perSecond, cpuMsPerThousand } = await run.finish(items);
  const pages = [...before, ...await during];
  const chromiumCpu = (await chromium.cpuSeconds()) - cpuAtResume;
  const visibility = await chromium.visibility(pages);
  await chromium.closeTabs(pages);
  return {
    perSecond,
    cpuMsPerThousand,
    openingCpu: cpuAtResume - cpuAtOpen,
    chromiumCpu,
    openSeconds,
    visibility,
  };
}

/** Two runs at once, the same but for the pages: the second's ÷ the first's. */
export interface SideBySide {
  /** Items/s of the run with clients ÷ that of the run without. */
  rate: number;
  /** sluice's CPU per item over the span, with clients ÷ without. */
  cpu: number;
}

/**
 * The cost to sluice of `clients` plain HTTP clients, as two runs at the same
 * time (one with the clients, one with none), resumed together: the
 * machine's speed, which drifts between runs here, is the same for both.
 */
export async function measureSideBySide(
  place: Place,
  input: string,
  items: number,
  clients: number,
): Promise<SideBySide> {
  const [bare, watched] = await Promise.all([
    PausedRun.start(place, input, "beside-none"),
    PausedRun.start(place, input, "beside-clients"),
  ]);
  for (let i = 0; i < clients; i++) await openClient(watched.url);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await Promise.all([bare.resume(), watched.resume()]);
  const [a, b] = await Promise.all([bare.finish(items), watched.finish(items)]);
  return { rate: b.perSecond / a.perSecond, cpu: b.cpuMsPerThousand / a.cpuMsPerThousand };
}
