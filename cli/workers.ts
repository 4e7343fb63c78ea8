/**
 * `sluice run ... --workers N|auto`: N worker processes on one database and
 * one job. The first imports the input and starts working; once the job is
 * in the database the others resume it. One progress line reads the job's
 * counts from the database every second; a stop signal is passed on to every
 * worker; the exit code is the workers' combined result.
 *
 * @module
 */
import { type Console, type LineOutput, stderrLine } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { V8_FLAGS } from "./install.ts";
import { InputError } from "../lib/errors.ts";
import { openStore } from "../lib/store/store.ts";

/** The hidden flag that marks a worker started by `--workers` (it cannot start workers itself). */
export const WORKER_CHILD_FLAG = "--worker-child";

/** Options for {@linkcode workersCommand}. */
export interface WorkersOptions {
  /** Starts one worker with these `sluice` arguments. @default a `deno run` (or compiled sluice) process */
  spawn?: (args: string[]) => WorkerProcess;
  /** Where the progress line goes. @default stderrLine (Deno.stderr, a failed write dropped) */
  output?: LineOutput;
  /** Aborted on a second stop signal: passed on as a second SIGINT. @default undefined */
  stopNow?: AbortSignal;
}

/** A started worker, as {@linkcode workersCommand} watches it. */
export interface WorkerProcess {
  /** Its stderr, read line by line. */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves with its exit code. */
  readonly status: Promise<{ code: number }>;
  /** Sends it a signal. */
  kill(signal: Deno.Signal): void;
}

/**
 * How many workers `--workers` asks for: a positive integer, or `auto` for
 * one per core.
 *
 * @example Usage
 * ```ts
 * import { parseWorkers } from "./workers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseWorkers("4"), 4);
 * assert.equal(parseWorkers("auto"), navigator.hardwareConcurrency);
 * assert.throws(() => parseWorkers("0"));
 * ```
 */
export function parseWorkers(text: string): number {
  if (text === "auto") return Math.max(1, navigator.hardwareConcurrency || 1);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(
      `Cannot parse --workers as a positive integer or auto: current value is '${text}'`,
    );
  }
  return n;
}

/**
 * The arguments of the workers: the user's `run` arguments without
 * `--workers`, quiet (the parent draws the one progress line) and marked as
 * children; the second and later ones resume `job` instead of reading `input` again,
 * and leave the dashboard (one port) to the first.
 *
 * @example Usage
 * ```ts
 * import { workerArgs } from "./workers.ts";
 * import assert from "node:assert/strict";
 * const args = ["run", "q.jsonl", "--rate", "90/s", "--workers", "3"];
 * assert.deepEqual(workerArgs(args, "q.jsonl"), ["run", "q.jsonl", "--rate", "90/s", "--quiet", "--worker-child"]);
 * assert.deepEqual(workerArgs(args, "q.jsonl", "q"), ["run", "--rate", "90/s", "--quiet", "--worker-child", "--job", "q"]);
 * assert.deepEqual(workerArgs(["run", "--dashboard", "8080", "--job", "q"], undefined, "q"), ["run", "--job", "q", "--quiet", "--worker-child"]);
 * ```
 */
export function workerArgs(args: readonly string[], input?: string, job?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--workers") i++;
    else if (job !== undefined && arg === "--dashboard") {
      i += /^\d+$/.test(args[i + 1] ?? "") ? 1 : 0;
    } else if (
      !arg.startsWith("--workers=") && !(job !== undefined && arg.startsWith("--dashboard="))
    ) {
      out.push(arg);
    }
  }
  out.push("--quiet", WORKER_CHILD_FLAG);
  if (job === undefined) return out;
  // Resuming by name: the input is left out when it can be told from a flag's value.
  const at = input === undefined ? -1 : out.indexOf(input);
  if (at > 0 && out.lastIndexOf(input!) === at && !out[at - 1]!.startsWith("-")) out.splice(at, 1);
  return out.some((a) => a === "--job" || a.startsWith("--job=")) ? out : [...out, "--job", job];
}

/**
 * Runs `n` workers of one job and waits for all of them; resolves to the
 * combined exit code: 130 if stopped, else the worst of theirs.
 */
export async function workersCommand(
  n: number,
  args: readonly string[],
  input: string | undefined,
  db: string,
  io: Console,
  stop: AbortSignal,
  options: WorkersOptions = {},
): Promise<number> {
  const { spawn = spawnSluice, output = stderrLine, stopNow } = options;
  const workers: WorkerProcess[] = [];
  const exits: Promise<number>[] = [];
  let job: string | undefined;
  let announced: () => void = () => {};
  const jobKnown = new Promise<void>((resolve) => announced = resolve);
  const start = (workerArgs: string[]) => {
    const k = workers.length + 1;
    const worker = spawn(workerArgs);
    workers.push(worker);
    const lines = forwardLines(worker.stderr, (line) => {
      // The first worker's opening line names the job, once it is imported.
      const named = /^sluice: (?:resuming )?job "(.+?)"/.exec(line);
      if (named && job === undefined) {
        job = named[1];
        announced();
      }
      io.error(`[worker ${k}] ${line}`);
    });
    exits.push(Promise.all([worker.status, lines]).then(([s]) => s.code));
  };
  const passOn = (signal: Deno.Signal) => {
    for (const w of workers) {
      try {
        w.kill(signal);
      } catch {
        // Already exited.
      }
    }
  };
  const onStop = () => passOn("SIGINT");
  stop.addEventListener("abort", onStop, { once: true });
  stopNow?.addEventListener("abort", onStop, { once: true });
  let stopDrawing = () => {};
  try {
    start(workerArgs(args, input));
    const first = exits[0]!;
    await Promise.race([jobKnown, first]);
    if (job === undefined) return await first; // it ended before the job was there: its message says why
    for (let k = 1; k < n && !stop.aborted; k++) start(workerArgs(args, input, job));
    stopDrawing = await drawProgress(db, job, workers.length, output);
    const codes = await Promise.all(exits);
    return combinedExit(codes, stop.aborted);
  } finally {
    stopDrawing();
    stop.removeEventListener("abort", onStop);
    stopNow?.removeEventListener("abort", onStop);
  }
}

/**
 * The exit code of several workers: 130 when stopped (or any was
 * interrupted), else the worst: 2, then 1, then 0.
 *
 * @example Usage
 * ```ts
 * import { combinedExit } from "./workers.ts";
 * import assert from "node:assert/strict";
 * assert.equal(combinedExit([0, 1, 0], false), 1);
 * assert.equal(combinedExit([0, 130], false), 130);
 * assert.equal(combinedExit([0, 0], false), 0);
 * ```
 */
export function combinedExit(codes: readonly number[], stopped: boolean): number {
  if (stopped || codes.includes(EXIT.interrupted)) return EXIT.interrupted;
  const worst = [EXIT.usage, EXIT.failed].find((c) => codes.includes(c));
  if (worst !== undefined) return worst;
  return codes.find((c) => c !== EXIT.ok) ?? EXIT.ok;
}

/** Draws one line of the job's counts from the database every second; returns how to stop. */
async function drawProgress(
  db: string,
  job: string,
  workers: number,
  output: LineOutput,
): Promise<() => void> {
  const store = await openStore(db);
  const row = await store.jobs.find(job);
  const encoder = new TextEncoder();
  const terminal = output.isTerminal();
  const started = Date.now();
  let first: number | undefined;
  let drawing = false;
  const draw = async () => {
    if (drawing || !row) return;
    drawing = true;
    try {
      const c = await store.queue.counts(row.id);
      first ??= c.done;
      const rate = (c.done - first) / Math.max(1, (Date.now() - started) / 1000);
      const line = `sluice: ${workers} workers | ${c.done}/${c.total} done | ${c.failed} failed` +
        ` | ${c.pending} pending | ${rate.toFixed(1)}/s`;
      output.writeSync(encoder.encode(terminal ? `\r\x1b[2K${line}` : `${line}\n`));
    } catch {
      // A busy database: the next second draws again.
    } finally {
      drawing = false;
    }
  };
  const timer = setInterval(draw, terminal ? 1000 : 5000);
  return () => {
    clearInterval(timer);
    if (terminal) output.writeSync(encoder.encode("\r\x1b[2K"));
    store.close();
  };
}

async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    rest += text;
    let newline: number;
    while ((newline = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, newline));
      rest = rest.slice(newline + 1);
    }
  }
  if (rest) onLine(rest);
}

/**
 * One worker: this sluice again, as a `deno run` of the same entry with this
 * process's permissions, or the compiled sluice binary itself.
 */
function spawnSluice(args: string[]): WorkerProcess {
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    throw new InputError(
      "Cannot start workers without permission to run processes: run sluice with --allow-run",
    );
  }
  const exe = Deno.execPath();
  const compiled = !/^deno(\.exe)?$/i.test(exe.split(/[\\/]/).pop() ?? "");
  const granted = (["net", "read", "write", "env", "ffi", "sys", "run"] as const)
    .filter((name) => Deno.permissions.querySync({ name }).state === "granted")
    .map((name) => `--allow-${name}`);
  const child = new Deno.Command(exe, {
    args: compiled
      ? args
      : ["run", "--no-prompt", ...granted, ...V8_FLAGS, Deno.mainModule, ...args],
    stdin: "null",
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  return { stderr: child.stderr, status: child.status, kill: (s) => child.kill(s) };
}
