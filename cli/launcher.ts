/**
 * How the user started sluice, so printed hints name a command they have:
 * `sluice` once installed (`deno task install`), else the `deno task sluice`
 * line they can type, with npx in front when Deno came from npx. The
 * `sluice` task and the installed command say who started sluice with a
 * first argument `--launched-by=task` or `--launched-by=install`.
 *
 * @module
 */
import { fromFileUrl } from "../lib/util/from_file_url.ts";
import { shellQuote } from "./shell_quote.ts";

/** Who started sluice: the `sluice` task, or the command `deno task install` made. */
export type LaunchedBy = "task" | "install";

const MARKER = "--launched-by=";

/**
 * Takes the launcher's marker off the front of the arguments.
 *
 * @example Usage
 * ```ts
 * import { takeLauncher } from "./launcher.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(takeLauncher(["--launched-by=task", "run", "q.jsonl"]), {
 *   launchedBy: "task",
 *   args: ["run", "q.jsonl"],
 * });
 * assert.deepEqual(takeLauncher(["status"]), { launchedBy: undefined, args: ["status"] });
 * ```
 */
export function takeLauncher(
  args: readonly string[],
): { launchedBy: LaunchedBy | undefined; args: string[] } {
  const by = args[0]?.startsWith(MARKER) ? args[0].slice(MARKER.length) : undefined;
  if (by === "task" || by === "install") return { launchedBy: by, args: args.slice(1) };
  return { launchedBy: undefined, args: [...args] };
}

/** The argument the installed command starts sluice with. */
export const INSTALLED_MARKER = `${MARKER}install`;

/** The folder holding sluice's deno.json (the clone), without a trailing slash. */
export const CLONE_DIR = fromFileUrl(new URL("..", import.meta.url)).replace(/[\\/]$/, "");

/**
 * The folder the user ran sluice from. `deno task` runs its tasks in the
 * folder of deno.json and says where the user was in `INIT_CWD`; anything
 * else runs where the user is.
 *
 * @example Usage
 * ```ts
 * import { userFolder } from "./launcher.ts";
 * import assert from "node:assert/strict";
 * const env = (name: string) => name === "INIT_CWD" ? "/home/me/data" : undefined;
 * assert.equal(userFolder("task", env), "/home/me/data");
 * assert.equal(userFolder(undefined, env), undefined);
 * ```
 */
export function userFolder(
  launchedBy: LaunchedBy | undefined,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string | undefined {
  return launchedBy === "task" ? env("INIT_CWD") || undefined : undefined;
}

/** Options for {@linkcode launchCommand}. */
export interface LaunchCommandOptions {
  /** Who started sluice. @default undefined (`deno run main.ts`) */
  launchedBy?: LaunchedBy | undefined;
  /** Reads the environment. @default Deno.env.get */
  env?: (name: string) => string | undefined;
  /** The user's folder. @default Deno.cwd() */
  cwd?: string;
  /** The folder of sluice's deno.json. @default CLONE_DIR */
  clone?: string;
  /** True inside a binary from `deno compile`. @default Deno.build.standalone */
  standalone?: boolean;
  /** The running executable. @default Deno.execPath() */
  execPath?: string;
  /** Deno's version, for the npx line. @default Deno.version.deno */
  denoVersion?: string;
}

/**
 * The command the user types to run sluice again, as shell text: `sluice`
 * for the installed command, the binary's path for a compiled one, else
 * `deno task sluice` (`npx -y deno@<version> task sluice` under npx), with
 * `--config` when the user's folder is outside the clone.
 *
 * @example Usage
 * ```ts
 * import { launchCommand } from "./launcher.ts";
 * import assert from "node:assert/strict";
 * const clone = "/src/sluice";
 * const npx = (name: string) => name === "npm_command" ? "exec" : undefined;
 * const none = () => undefined;
 * const base = { clone, standalone: false, denoVersion: "2.9.6" };
 * assert.equal(launchCommand({ ...base, launchedBy: "install", env: none, cwd: "/" }), "sluice");
 * assert.equal(
 *   launchCommand({ ...base, launchedBy: "task", env: npx, cwd: "/src/sluice" }),
 *   "npx -y deno@2.9.6 task sluice",
 * );
 * assert.equal(
 *   launchCommand({ ...base, launchedBy: "task", env: none, cwd: "/home/me" }),
 *   "deno task --config /src/sluice/deno.json sluice",
 * );
 * ```
 */
export function launchCommand(options: LaunchCommandOptions = {}): string {
  const {
    launchedBy,
    env = (name: string) => Deno.env.get(name),
    cwd = Deno.cwd(),
    clone = CLONE_DIR,
    standalone = Deno.build.standalone,
    execPath = Deno.execPath(),
    denoVersion = Deno.version.deno,
  } = options;
  if (launchedBy === "install") return "sluice";
  if (standalone) return shellQuote(execPath);
  // npx runs its package through `npm exec`, which says so in the environment.
  const npx = env("npm_command") === "exec" || env("npm_lifecycle_event") === "npx";
  const deno = npx ? `npx -y deno@${denoVersion}` : "deno";
  // deno task finds deno.json from the working folder upwards.
  const inside = cwd === clone || cwd.startsWith(`${clone}/`) || cwd.startsWith(`${clone}\\`);
  const config = inside ? "" : ` --config ${shellQuote(`${clone}/deno.json`)}`;
  return `${deno} task${config} sluice`;
}
