/**
 * A command in a pseudo-terminal that the test can close, as a user closes
 * a terminal window: the kernel then sends the command SIGHUP, and its
 * writes to the terminal fail from then on. Debian's Python runs it
 * (`pty.fork`: the command leads its own session, the terminal its
 * controlling one), so the test sees the command's own exit code.
 *
 * @module
 */

// Reads the terminal until told to hang up (a line on stdin) or the command ends;
// then closes the terminal, waits for the command and prints how it ended, as JSON.
const HARNESS = `
import json, os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
shown = b""
hung_up = False
while True:
    ready, _, _ = select.select([fd, 0], [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            break
        shown += data
    if 0 in ready:
        sys.stdin.readline()
        hung_up = True
        break
os.close(fd)
_, status = os.waitpid(pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "hungUp": hung_up,
                  "shown": shown.decode("utf-8", "replace")}))
`;

/** How the command in the terminal ended. */
export interface TerminalExit {
  /** Its exit code; minus the signal's number when a signal ended it. */
  code: number;
  /** True when the terminal was closed before the command ended. */
  hungUp: boolean;
  /** What it wrote to the terminal before it was closed. */
  shown: string;
}

/** `program args...` in a pseudo-terminal; {@linkcode hangUp} closes the terminal. */
export class Terminal {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  /** Resolves once the command has ended. */
  readonly exited: Promise<TerminalExit>;

  constructor(program: string, args: string[], env: Record<string, string> = {}) {
    this.#child = new Deno.Command("/usr/bin/python3", {
      args: ["-c", HARNESS, program, ...args],
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.exited = this.#child.output().then((out) =>
      JSON.parse(new TextDecoder().decode(out.stdout)) as TerminalExit
    );
  }

  /** Closes the terminal: the command gets SIGHUP, and its writes fail. */
  async hangUp(): Promise<TerminalExit> {
    await this.#stdin.write(new TextEncoder().encode("hang up\n"));
    await this.#stdin.close();
    return await this.exited;
  }
}
