/**
 * The CLI as a process for the hostile-input tests: run it, read what it
 * printed, in a temporary folder.
 *
 * @module
 */
import { MAIN, PERMISSIONS } from "../_sluice_process.ts";
import { openStore } from "../../lib/store/store.ts";
import { type HostileServer, serveHostile } from "../http/_hostile_server.ts";

/** What one `sluice` process printed, and its exit code. */
export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main.ts <args>` in `cwd` to its end, with `env` added to a clean environment. */
export async function sluice(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** A temporary folder for `fn`, removed after. */
export async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_hostile_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A temporary folder and a server on 127.0.0.1 answering `{ ok: true }` (it
 * records what it is sent) for `fn`; both gone after.
 */
export async function withOkServer(
  fn: (dir: string, server: HostileServer) => Promise<void>,
): Promise<void> {
  const server = serveHostile({ fallback: () => Response.json({ ok: true }) });
  try {
    await inTempDir((dir) => fn(dir, server));
  } finally {
    await server.close();
  }
}

/** The names of the entries of folder `dir`, sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir), (entry) => entry.name)).sort();
}

/** Writes `rows` as JSON lines to `path`. */
export async function writeJsonl(path: string, rows: unknown[]): Promise<void> {
  await Deno.writeTextFile(path, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
}

/** Parses `sluice export`'s JSON lines. */
export function parseJsonl(text: string): Record<string, unknown>[] {
  return text.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Failed items by failure class (`items.error_class`) in the only job of the database at `path`. */
export async function failureClasses(path: string): Promise<Record<string, number>> {
  const store = await openStore(`file:${path}`);
  try {
    const [job] = await store.jobs.list();
    return await store.reports.failedByClass(job!.id);
  } finally {
    store.close();
  }
}
