/**
 * `deno task install`: installs a `sluice` command with `deno install -g`,
 * so sluice runs from any folder as `sluice ...`. The command runs this
 * clone's main.ts with the permissions the `sluice` task grants and this
 * clone's deno.json (its npm imports and lockfile), and tells sluice it was
 * started as the installed command (for the hints it prints).
 *
 * `--root DIR` (or `DENO_INSTALL_ROOT`) installs into DIR/bin instead of
 * ~/.deno/bin.
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import { type Console, stdio } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { CLONE_DIR, INSTALLED_MARKER } from "./launcher.ts";

/** The permissions sluice runs with (the `sluice` task's, main.ts's shebang). */
export const PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  "--allow-run", // --workers starts its workers as processes
];

/**
 * V8 settings sluice runs with: semispaces of at most 8 MB for V8's young
 * generation, where a run's short-lived garbage (requests, responses, rows)
 * goes. Measured side by side (`deno task bench`'s sluice command, 20,000
 * POSTs, 5 interleaved rounds): peak RSS 198-204 MB -> 152 MB, CPU per
 * request 8% less (fewer cache misses in a smaller nursery).
 */
export const V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=8"];

/** Everything `deno run` is given to run sluice: its permissions, then its V8 settings. */
export const RUN_FLAGS: readonly string[] = [...PERMISSIONS, ...V8_FLAGS];

/** Options for {@linkcode installArgs}. */
export interface InstallArgsOptions {
  /** Installation root (the command goes in its `bin`). @default undefined (Deno's: DENO_INSTALL_ROOT or ~/.deno) */
  root?: string | undefined;
  /** The folder of sluice's deno.json and main.ts. @default CLONE_DIR */
  clone?: string;
}

/**
 * The arguments of `deno install` that install the `sluice` command.
 *
 * @example Usage
 * ```ts
 * import { installArgs } from "./install.ts";
 * import assert from "node:assert/strict";
 * const args = installArgs({ root: "/tmp/r", clone: "/src/sluice" });
 * assert.deepEqual(args.slice(0, 7), ["install", "-g", "-f", "-n", "sluice", "--config", "/src/sluice/deno.json"]);
 * assert.deepEqual(args.slice(-5), ["--root", "/tmp/r", "/src/sluice/main.ts", "--", "--launched-by=install"]);
 * ```
 */
export function installArgs(options: InstallArgsOptions = {}): string[] {
  const { root, clone = CLONE_DIR } = options;
  return [
    "install",
    "-g",
    "-f",
    "-n",
    "sluice",
    "--config",
    join(clone, "deno.json"),
    ...RUN_FLAGS,
    ...(root === undefined ? [] : ["--root", root]),
    join(clone, "main.ts"),
    "--",
    INSTALLED_MARKER,
  ];
}

/** Whether a program of that name is in one of the folders of `PATH`. */
async function onPath(program: string, path: string | undefined): Promise<boolean> {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const found = await Deno.stat(join(dir, program)).then((s) => s.isFile, () => false);
    if (found) return true;
  }
  return false;
}

/** Options for {@linkcode install}. */
export interface InstallOptions {
  /** Where messages go. @default stdio */
  io?: Console;
  /** The Deno that runs `deno install`. @default Deno.execPath() */
  deno?: string;
}

/**
 * Installs the `sluice` command; resolves to an exit code.
 *
 * @example Usage
 * ```ts
 * import { install } from "./install.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const io = { log: () => {}, error: (line: string) => lines.push(line) };
 * assert.equal(await install(["--frobnicate"], { io }), 2);
 * assert.match(lines[0]!, /^sluice install: error: Unknown option '--frobnicate'/);
 * ```
 */
export async function install(args: string[], options: InstallOptions = {}): Promise<number> {
  const { io = stdio, deno = Deno.execPath() } = options;
  let root: string | undefined;
  try {
    const { values } = parseArgs({ args, options: { root: { type: "string" } }, strict: true });
    root = values.root;
  } catch (error) {
    io.error(`sluice install: error: ${(error as Error).message}`);
    io.error("usage: deno task install [--root DIR]");
    return EXIT.usage;
  }
  const { code } = await new Deno.Command(deno, {
    args: installArgs({ root }),
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (code !== 0) return EXIT.failed;
  // The installed command starts `deno` from PATH: under npx there may be none.
  if (!(await onPath("deno", Deno.env.get("PATH")))) {
    io.error(
      "sluice install: note: the sluice command runs `deno` from your PATH, and there is none; " +
        `install it with: npm i -g deno@${Deno.version.deno}`,
    );
  }
  return EXIT.ok;
}

if (import.meta.main) Deno.exitCode = await install(Deno.args);
