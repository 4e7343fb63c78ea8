/**
 * Running the README's shell examples as written: a section's fenced blocks,
 * a free port for the mock, and a bash script in an empty folder with
 * `sluice` as `deno run main.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { commandLine } from "../../cli/shell_quote.ts";
import { MAIN, PERMISSIONS } from "../_sluice_process.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/**
 * The fenced blocks of `language` in the section under `heading`, which
 * ends at the next heading of a level in `ends` (`#{1,3}`: the next title).
 */
export function readmeBlocks(heading: string, language: string, ends = "#{1,3}"): string[] {
  const start = README.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const rest = README.slice(start + heading.length);
  const end = rest.search(new RegExp(`^${ends} `, "m"));
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(new RegExp("^```" + language + "[^\\n]*\\n([\\s\\S]*?)^```$", "gm"))]
    .map((m) => m[1]!);
}

/** A port nothing listens on, for the mock. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The command line of `sluice`, as `deno run` with the CLI's flags. */
export const SLUICE: string = commandLine(Deno.execPath(), ["run", ...PERMISSIONS, MAIN]);

/**
 * Runs `lines` in bash in `cwd`, after the mock is started on `port` (not
 * through the `sluice` function: the background job is the mock itself,
 * which the trap or a `kill %1` stops) and listens.
 */
export async function runScript(
  lines: string[],
  cwd: string,
  port: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = [
    `sluice() { ${SLUICE} "$@"; }`,
    "trap 'kill $(jobs -p) 2>/dev/null' EXIT",
    "set -e",
    `${SLUICE} mock --port ${port} &`,
    `for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && break; sleep 0.1; done`,
    ...lines,
  ].join("\n");
  const run = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: run.code, stdout: decoder.decode(run.stdout), stderr: decoder.decode(run.stderr) };
}
