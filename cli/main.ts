/**
 * The command line's run: parse the arguments, run the command, turn what
 * went wrong into one message and an exit code. Stopping on SIGINT, SIGTERM
 * and SIGHUP is arranged here; the process itself is ended by main.ts alone.
 *
 * @module
 */
import { CommanderError } from "commander";
import { type Console, stdio } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { launchCommand, takeLauncher, userFolder } from "./launcher.ts";
import { buildProgram } from "./program.ts";
import { StopSignals, stopSignals } from "./stop_signals.ts";
import { InputError, StoreError } from "../lib/errors.ts";

/**
 * After a second stop signal, how long the command may take to abandon its
 * requests, release what it claimed and print its summary before the process
 * exits anyway.
 */
const STOP_NOW_MS = 3000;

/** Options for {@linkcode main}. */
export interface MainOptions {
  /** Where messages go. @default stdio */
  io?: Console;
  /** Tells a first stop signal from copies of it and from a second one. @default new StopSignals() */
  signals?: StopSignals;
}

/**
 * Runs the CLI with `args` (without the program name); resolves to the exit
 * code. The first SIGINT, SIGTERM or SIGHUP asks the command to stop; one that comes
 * a clear interval later exits at once (copies of the first, forwarded by
 * `deno task` or npx, do not). Started by the `sluice` task, sluice works in
 * the folder the user ran the task from, so relative paths are theirs.
 *
 * @example Usage
 * ```ts
 * import { main } from "./main.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await main(["frobnicate"]), 2);
 * ```
 */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const { io = stdio, signals = new StopSignals() } = options;
  const launch = takeLauncher(args);
  const folder = userFolder(launch.launchedBy);
  if (folder !== undefined) Deno.chdir(folder);
  const command = launchCommand({ launchedBy: launch.launchedBy });
  const stop = new AbortController();
  const stopNow = new AbortController();
  const onSignal = () => {
    const meaning = signals.receive();
    if (meaning === "stop") {
      io.error(
        "\nsluice: stopping; in-flight requests get the grace period (Ctrl-C again to stop at once)",
      );
      stop.abort(new Error("interrupted"));
    } else if (meaning === "stop now") {
      io.error("sluice: stopping at once; requests in flight are abandoned");
      stopNow.abort(new Error("stopped at once"));
      // A command that does not watch stopNow (or hangs on it) still ends now-ish.
      Deno.unrefTimer(setTimeout(() => {
        io.error("sluice: stopped at once; everything committed is kept");
        Deno.exit(EXIT.interrupted);
      }, STOP_NOW_MS));
    }
  };
  const listeners = stopSignals();
  for (const s of listeners) Deno.addSignalListener(s, onSignal);
  let code: number = EXIT.ok;
  try {
    await buildProgram({
      stop: stop.signal,
      stopNow: stopNow.signal,
      setExit: (c) => code = c,
      io,
      command,
    })
      .parseAsync(launch.args, { from: "user" });
  } catch (error) {
    code = reportError(error, io);
  } finally {
    for (const s of listeners) Deno.removeSignalListener(s, onSignal);
  }
  return code;
}

/**
 * Reports an error that ended a command and returns the exit code: usage
 * errors and {@linkcode InputError} 2, a database problem 1 with a hint,
 * anything else 1 as a bug, with its stack.
 *
 * @example Usage
 * ```ts
 * import { reportError } from "./main.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const io = { log: () => {}, error: (line: string) => lines.push(line) };
 * assert.equal(reportError(new InputError("Cannot parse rate"), io), 2);
 * assert.deepEqual(lines, ["sluice: error: Cannot parse rate"]);
 * ```
 */
export function reportError(error: unknown, io: Console): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // Bad input is an InputError by the time it gets here (lib/util/as_input_error.ts): a
  // RangeError or TypeError from deeper down is a bug, reported with its stack.
  if (error instanceof InputError) {
    io.error(`sluice: error: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof StoreError) {
    io.error(`sluice: error: ${error.message}`);
    io.error("sluice: everything committed is kept; run the same command again once that is fixed");
    return EXIT.failed;
  }
  io.error(`sluice: unexpected error (a bug; please report it):`);
  io.error(error instanceof Error ? error.stack ?? error.message : String(error));
  return EXIT.failed;
}
