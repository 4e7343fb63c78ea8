/**
 * Bench helpers: run a command as a child process and measure its wall time
 * (spawn to exit), peak resident memory and CPU time (`/usr/bin/time`'s
 * maximum RSS and user + system seconds, which come from the kernel's rusage of
 * the child; else the last `VmHWM` and `utime + stime` read from /proc while it
 * runs), and the echo servers every contender talks to.
 *
 * @module
 */

/** What one measured process did. */
export interface Measured {
  code: number;
  wallMs: number;
  /** Peak resident set size in MB, or undefined when it could not be read. */
  peakMb: number | undefined;
  /** User + system CPU time of the process (all its threads) in ms, or undefined. */
  cpuMs: number | undefined;
  /** Whether `stopAfterMs` passed and the process was sent SIGINT. */
  stopped: boolean;
  stdout: string;
  stderr: string;
}

const GNU_TIME = "/usr/bin/time";
let gnuTime: boolean | undefined;

async function hasGnuTime(): Promise<boolean> {
  if (gnuTime === undefined) {
    try {
      const out = await new Deno.Command(GNU_TIME, { args: ["-f", "%M", "true"], stderr: "null" })
        .output();
      gnuTime = out.success;
    } catch {
      gnuTime = false;
    }
  }
  return gnuTime;
}

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** The peak RSS (kB) and CPU time so far (ms) of a running process, from /proc. */
async function readProc(pid: number): Promise<{ hwmKb?: number; cpuMs?: number }> {
  try {
    // Deno reads /proc only with --allow-all; `cat` needs just --allow-run.
    const out = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`, `/proc/${pid}/stat`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(text)?.[1];
    // stat: "pid (comm) state …", utime and stime are fields 14 and 15.
    const fields = /\) (\S+(?: \S+){13})/.exec(text)?.[1]?.split(" ");
    const ticks = fields ? Number(fields[11]) + Number(fields[12]) : NaN;
    return {
      ...(kb === undefined ? {} : { hwmKb: Number(kb) }),
      ...(Number.isFinite(ticks) ? { cpuMs: (ticks * 1000) / USER_HZ } : {}),
    };
  } catch {
    return {};
  }
}

/** The first child process of `pid`, from /proc. */
async function firstChild(pid: number): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("cat", {
      args: [`/proc/${pid}/task/${pid}/children`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const first = Number(new TextDecoder().decode(out.stdout).trim().split(" ")[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `cmd args…` to completion and measures it. Nothing is sent to its
 * standard input; output is collected.
 */
export async function measure(
  cmd: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
    /** Send the command (not the `time` wrapper) SIGINT after this long. */
    stopAfterMs?: number;
  } = {},
): Promise<Measured> {
  const timeFile = await Deno.makeTempFile({ prefix: "sluice-bench-rss-" });
  const wrapped = await hasGnuTime();
  const command = new Deno.Command(wrapped ? GNU_TIME : cmd, {
    args: wrapped ? ["-f", "%M %U %S", "-o", timeFile, cmd, ...args] : args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const started = performance.now();
  const child = command.spawn();
  let hwmKb: number | undefined;
  let cpuMs: number | undefined;
  const poll = wrapped ? undefined : setInterval(async () => {
    const read = await readProc(child.pid);
    if (read.hwmKb !== undefined) hwmKb = Math.max(hwmKb ?? 0, read.hwmKb);
    if (read.cpuMs !== undefined) cpuMs = Math.max(cpuMs ?? 0, read.cpuMs);
  }, 50);
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 30 * 60_000);
  let stopped = false;
  const stopper = options.stopAfterMs === undefined ? undefined : setTimeout(async () => {
    stopped = true;
    // GNU time ignores SIGINT: the signal goes to the command it waits for.
    const pid = wrapped ? await firstChild(child.pid) : child.pid;
    try {
      if (pid !== undefined) Deno.kill(pid, "SIGINT");
    } catch { /* already gone */ }
  }, options.stopAfterMs);
  const output = await child.output();
  const wallMs = performance.now() - started;
  clearTimeout(killer);
  clearTimeout(stopper);
  if (poll !== undefined) clearInterval(poll);
  if (wrapped) {
    const text = await Deno.readTextFile(timeFile).catch(() => "");
    // "%M %U %S": max RSS in kB, user and system seconds.
    const [kb, user, system] = (text.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
    if (kb !== undefined && Number.isFinite(kb) && kb > 0) hwmKb = kb;
    const seconds = (user ?? NaN) + (system ?? NaN);
    if (Number.isFinite(seconds)) cpuMs = seconds * 1000;
  }
  await Deno.remove(timeFile).catch(() => {});
  const decoder = new TextDecoder();
  return {
    code: output.code,
    wallMs,
    peakMb: hwmKb === undefined ? undefined : hwmKb / 1024,
    cpuMs,
    stopped,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** The echo server, as a child process. */
export interface EchoServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Which echo server, and how slow. */
export interface EchoServerOptions {
  /**
   * `deno`: bench/echo_server.ts (Deno.serve); `node`: bench/echo_server_node.mjs
   * (Node's `http`).
   * @default {"deno"}
   */
  kind?: "deno" | "node";
  /**
   * Milliseconds every answer is held.
   * @default {0}
   */
  latencyMs?: number;
}

/**
 * Starts an echo server in its own process and waits for its port. It stops
 * by itself if the bench dies (its stdin closes) or sits idle for 30 minutes.
 */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const { kind = "deno", latencyMs = 0 } = options;
  const bounds = ["--latency", String(latencyMs), "--idle", "1800", "--ttl", "7200"];
  const child = new Deno.Command(kind === "deno" ? Deno.execPath() : "node", {
    args: kind === "deno"
      ? ["run", "--allow-net", new URL("./echo_server.ts", import.meta.url).pathname, ...bounds]
      : [new URL("./echo_server_node.mjs", import.meta.url).pathname, ...bounds],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the ${kind} echo server exited before it listened`);
    text += value;
  }
  reader.releaseLock();
  const { port } = JSON.parse(text.split("\n")[0]!) as { port: number };
  return {
    url: `http://127.0.0.1:${port}/echo`,
    port,
    async stop() {
      // Closing its stdin tells it to shut down; the kill is a backstop.
      await child.stdin.close().catch(() => {});
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Writes `n` queries as JSONL (`{"id":i,"q":"query i"}` per line) to `path`. */
export async function writeQueries(path: string, n: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  try {
    const chunk = 10_000;
    for (let start = 0; start < n; start += chunk) {
      let text = "";
      for (let i = start; i < Math.min(n, start + chunk); i++) {
        text += `{"id":${i},"q":"query ${i}"}\n`;
      }
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    }
  } finally {
    file.close();
  }
}

/** Parses the last JSON line a contender printed. */
export function lastJson<T>(stdout: string): T | undefined {
  const line = stdout.trim().split("\n").at(-1);
  if (!line) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}
