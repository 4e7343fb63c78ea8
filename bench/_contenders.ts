/**
 * The contenders of the throughput scenario, each the same work (N POSTs of
 * a small JSON body to the echo server, 64 in flight) in its own process, and
 * sluice's own import probe. Each returns what it measured and the command
 * line that produced it, with `$URL` and `$TMP` standing for the echo
 * server's URL and the bench's temporary directory.
 *
 * @module
 */
import { RUN_FLAGS } from "../cli/install.ts";
import { measure, type Measured } from "./_measure.ts";
import type { CrawleeSetup } from "./crawlee.ts";

/** One contender's run. */
export interface Run {
  /** Requests (or queries) handled. */
  n: number;
  /** Whole process, spawn to exit. */
  wallMs: number;
  /** Per second over the whole process. */
  perSecond: number;
  peakMb: number | undefined;
  /** User + system CPU time of the whole process ÷ requests, in µs (NaN when unread). */
  cpuUsPerRequest: number;
  /** The command, with `$URL` / `$TMP` placeholders. */
  command: string;
  /** Set when the run did not do all its work. */
  error?: string;
}

/** A contender that could not run here, and why. */
export interface Unavailable {
  unavailable: string;
  command: string;
}

/** The flags of deno.json's `sluice` task: its permissions and V8 settings. */
export const SLUICE_PERMISSIONS: readonly string[] = RUN_FLAGS;

/** The checkout's path, ending in `/`. */
export const ROOT = new URL("../", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";

/** Where the bench runs: the echo server's URL and the temporary directory. */
export interface Place {
  url: string;
  tmp: string;
}

function show(command: string[], place: Place): string {
  return command.map((part) => {
    const text = part.replaceAll(place.url, "$URL").replaceAll(place.tmp, "$TMP")
      .replace(ROOT, "");
    return /[\s'"{}]/.test(text) ? `'${text}'` : text;
  }).join(" ");
}

function toRun(m: Measured, n: number, command: string, error?: string): Run {
  const failed = m.code !== 0 ? `exit ${m.code}: ${m.stderr.trim().slice(-300)}` : error;
  return {
    n,
    wallMs: m.wallMs,
    perSecond: (n / m.wallMs) * 1000,
    peakMb: m.peakMb,
    cpuUsPerRequest: m.cpuMs === undefined ? NaN : (m.cpuMs * 1000) / n,
    command,
    ...(failed ? { error: failed } : {}),
  };
}

function checkOk(m: Measured, n: number): string | undefined {
  const line = m.stdout.trim().split("\n").at(-1) ?? "";
  try {
    const { ok } = JSON.parse(line) as { ok: number };
    return ok === n ? undefined : `${ok} of ${n} answered 200`;
  } catch {
    return `no result line (${m.stderr.trim().slice(-200)})`;
  }
}

/** The Deno arguments of the bare fetch loop. */
export function bareFetchArgs(place: Place, n: number, c: number): string[] {
  return ["run", "--allow-net", `${ROOT}bench/fetch_loop.ts`, place.url, String(n), String(c)];
}

/** (1) The ceiling: a bare Deno fetch loop. */
export async function bareFetch(place: Place, n: number, c: number): Promise<Run> {
  const args = bareFetchArgs(place, n, c);
  const m = await measure(Deno.execPath(), args);
  return toRun(m, n, show(["deno", ...args], place), checkOk(m, n));
}

/**
 * The Deno arguments of a sluice run (permissions after `run`), and the
 * same command as `deno task sluice …` for the table.
 */
export function sluiceArgs(
  place: Place,
  input: string,
  c: number,
  db: string,
  root: string = ROOT,
): { args: string[]; command: string } {
  const args = [
    "run",
    `${root}main.ts`,
    "run",
    input,
    "--url",
    place.url,
    "--body",
    '{"q":"{{q}}"}',
    "--rate",
    "none",
    "--concurrency",
    String(c),
    "--db",
    `file:${db}`,
    "--quiet",
  ];
  return {
    args: [args[0]!, ...SLUICE_PERMISSIONS, ...args.slice(1)],
    command: show(["deno", "task", "sluice", ...args.slice(2)], place),
  };
}

/** (2) sluice end to end through its CLI: import + send + store, fresh database. */
export async function sluiceRun(
  place: Place,
  input: string,
  n: number,
  c: number,
  db: string,
  stopAfterMs?: number,
): Promise<Run & { stopped: boolean }> {
  const { args, command } = sluiceArgs(place, input, c, db);
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const m = await measure(Deno.execPath(), args, stopAfterMs === undefined ? {} : { stopAfterMs });
  if (m.stopped) return { ...toRun(m, n, command), stopped: true };
  const done = new RegExp(`\\b${n}/${n} done, 0 failed`).test(m.stderr);
  return {
    ...toRun(m, n, command, done ? undefined : `not all done: ${m.stderr.trim().slice(-300)}`),
    stopped: false,
  };
}

/** Which libSQL driver bench/fetch_store.ts stores through. */
export type StoreDriver = "client" | "native";

/** The Deno arguments of the fetch + store script (bench/fetch_store.ts). */
export function fetchStoreArgs(
  place: Place,
  input: string,
  c: number,
  db: string,
  driver: StoreDriver,
): string[] {
  return [
    "run",
    ...SLUICE_PERMISSIONS.filter((flag) => flag.startsWith("--allow-")),
    `${ROOT}bench/fetch_store.ts`,
    place.url,
    input,
    String(c),
    db,
    "--driver",
    driver,
  ];
}

/**
 * (2b) The job's own limit (issue 25): a bare Deno script that fetches each
 * answer and keeps it in libSQL, 1,000 per transaction, through
 * @libsql/client (`client`) or libSQL's native driver (`native`).
 */
export async function fetchStore(
  place: Place,
  input: string,
  n: number,
  c: number,
  db: string,
  driver: StoreDriver,
): Promise<Run> {
  const args = fetchStoreArgs(place, input, c, db, driver);
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const m = await measure(Deno.execPath(), args);
  return toRun(m, n, show(["deno", ...args], place), checkOk(m, n));
}

/** Whether Debian's python3-aiohttp can be imported. */
export async function aiohttpVersion(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import aiohttp; print(aiohttp.__version__)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** (3) The seed's approach: Python asyncio + aiohttp + Semaphore + gather. */
export async function aiohttpGather(
  place: Place,
  n: number,
  c: number,
  available: boolean,
): Promise<Run | Unavailable> {
  const script = `${ROOT}bench/aiohttp_gather.py`;
  const command = show([PYTHON, script, place.url, String(n), String(c)], place);
  if (!available) {
    return {
      unavailable: "python3-aiohttp is not installed (apt-get install python3-aiohttp)",
      command,
    };
  }
  const m = await measure(PYTHON, [script, place.url, String(n), String(c)]);
  return toRun(m, n, command, checkOk(m, n));
}

/**
 * (3b) The seed's whole job (bench/seed_job.py): aiohttp + gather in blocks of
 * 10,000, each block's answers stored with SQLite `executemany`, from the same
 * JSONL input as sluice.
 */
export async function seedJob(
  place: Place,
  input: string,
  n: number,
  c: number,
  db: string,
  available: boolean,
): Promise<Run | Unavailable> {
  const script = `${ROOT}bench/seed_job.py`;
  const args = [script, place.url, input, String(c), db];
  const command = show([PYTHON, ...args], place);
  if (!available) {
    return {
      unavailable: "python3-aiohttp is not installed (apt-get install python3-aiohttp)",
      command,
    };
  }
  for (const suffix of ["", "-journal", "-wal"]) await Deno.remove(db + suffix).catch(() => {});
  const m = await measure(PYTHON, args);
  return toRun(m, n, command, checkOk(m, n));
}

/** (4) The "before": a sequential loop, one request at a time. */
export async function sequential(place: Place, n: number): Promise<Run | Unavailable> {
  const script = `${ROOT}bench/sequential.py`;
  const command = show([PYTHON, script, place.url, String(n)], place);
  try {
    await Deno.stat(PYTHON);
  } catch {
    return { unavailable: `${PYTHON} not found`, command };
  }
  const m = await measure(PYTHON, [script, place.url, String(n)]);
  return toRun(m, n, command, checkOk(m, n));
}

/** (5) Crawlee's BasicCrawler on Node. */
export async function crawlee(
  place: Place,
  n: number,
  c: number,
  setup: CrawleeSetup,
): Promise<Run | Unavailable> {
  if (!setup.ok) {
    return { unavailable: setup.reason, command: "node crawlee_basic.mjs $URL N 64" };
  }
  const command = show([setup.node, setup.script, place.url, String(n), String(c)], place)
    .replace(Deno.env.get("HOME") ?? "\0", "~");
  const m = await measure(setup.node, [setup.script, place.url, String(n), String(c)]);
  return toRun(m, n, command, checkOk(m, n));
}

/** The Deno arguments of the import probe (permissions after `run`). */
export function importProbeArgs(input: string, db: string): string[] {
  return ["run", ...SLUICE_PERMISSIONS, `${ROOT}bench/import_probe.ts`, input, `file:${db}`];
}

/** sluice's import path alone (bench/import_probe.ts): JSONL into the queue, in process. */
export async function importProbe(place: Place, input: string, n: number, db: string) {
  const args = importProbeArgs(input, db);
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(db + suffix).catch(() => {});
  const m = await measure(Deno.execPath(), args);
  const command = show(["deno", ...args], place)
    .replace(SLUICE_PERMISSIONS.join(" "), "<sluice permissions>");
  const result = m.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: { read: number; imported: number; ms: number } | undefined;
  try {
    parsed = JSON.parse(result);
  } catch { /* reported below */ }
  const error = m.code !== 0 || !parsed || parsed.imported !== n
    ? `import failed (exit ${m.code}): ${m.stderr.trim().slice(-300)}`
    : undefined;
  return {
    importMs: parsed?.ms ?? NaN,
    perSecond: parsed ? (parsed.imported / parsed.ms) * 1000 : NaN,
    wallMs: m.wallMs,
    peakMb: m.peakMb,
    command,
    ...(error ? { error } : {}),
  };
}
