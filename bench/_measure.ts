/**
 * Bench helpers: run a command as a child process and measure its wall time
 * (spawn to exit) and peak resident memory (`/usr/bin/time`'s maximum RSS,
 * else the last `VmHWM` read from /proc while it runs), and the echo server
 * every contender talks to.
 *
 * @module
 */

/** What one measured process did. */
export interface Measured {
  code: number;
  wallMs: number;
  /** Peak resident set size in MB, or undefined when it could not be read. */
  peakMb: number | undefined;
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

async function readHwmKb(pid: number): Promise<number | undefined> {
  try {
    // Deno reads /proc only with --allow-all; `cat` needs just --allow-run.
    const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stdout: "piped" })
      .output();
    const status = new TextDecoder().decode(out.stdout);
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb);
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
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Measured> {
  const timeFile = await Deno.makeTempFile({ prefix: "sluice-bench-rss-" });
  const wrapped = await hasGnuTime();
  const command = new Deno.Command(wrapped ? GNU_TIME : cmd, {
    args: wrapped ? ["-f", "%M", "-o", timeFile, cmd, ...args] : args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const started = performance.now();
  const child = command.spawn();
  let hwmKb: number | undefined;
  const poll = wrapped ? undefined : setInterval(async () => {
    const kb = await readHwmKb(child.pid);
    if (kb !== undefined) hwmKb = Math.max(hwmKb ?? 0, kb);
  }, 50);
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 30 * 60_000);
  const output = await child.output();
  const wallMs = performance.now() - started;
  clearTimeout(killer);
  if (poll !== undefined) clearInterval(poll);
  if (wrapped) {
    const text = await Deno.readTextFile(timeFile).catch(() => "");
    const kb = Number(text.trim().split("\n").at(-1));
    if (Number.isFinite(kb) && kb > 0) hwmKb = kb;
  }
  await Deno.remove(timeFile).catch(() => {});
  const decoder = new TextDecoder();
  return {
    code: output.code,
    wallMs,
    peakMb: hwmKb === undefined ? undefined : hwmKb / 1024,
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

/** Starts bench/echo_server.ts in its own process and waits for its port. */
export async function startEchoServer(): Promise<EchoServer> {
  const script = new URL("./echo_server.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", script, "--ttl", "3600"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the echo server exited before it listened");
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
