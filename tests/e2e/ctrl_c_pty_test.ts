/**
 * One Ctrl-C in a real terminal, under the README's own launcher:
 * `npx -y deno@2.9.6 task sluice run ...` in a pseudo-terminal (`script`).
 * The terminal signals the whole process group, and npx and `deno task`
 * forward their copies to sluice too; sluice must still stop gracefully:
 * the summary, the resume command, exit 130, and at most `--concurrency`
 * items possibly sent. Skipped, saying why, where npx cannot run Deno or
 * there is no `script`.
 */
import assert from "node:assert/strict";
import { CLONE_DIR } from "../../cli/launcher.ts";
import { commandLine } from "../../cli/shell_quote.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { Gate, inspectDb, writeQueries } from "../_sluice_process.ts";

const DENO = `deno@${Deno.version.deno}`;
const NPX_TASK = `npx -y ${DENO} task sluice`;
const CONCURRENCY = 4;
const ITEMS = 60;

/** Why this machine cannot run the test, or undefined when it can. */
async function missing(): Promise<string | undefined> {
  const run = (cmd: string, args: string[]) =>
    new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output()
      .then((out) => out.success ? undefined : new TextDecoder().decode(out.stderr).trim())
      .catch((error) => String(error));
  const script = await run("script", ["-qfec", "true", "/dev/null"]);
  if (script !== undefined) return `no usable \`script\` for a pseudo-terminal: ${script}`;
  const npx = await run("npx", ["-y", DENO, "--version"]);
  if (npx !== undefined) return `npx cannot run ${DENO}: ${npx}`;
  return undefined;
}

const skip = await missing();
if (skip !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`ctrl_c_pty_test: skipped: ${skip}\n`));
}

/** A command in a pseudo-terminal; what it writes there, with colours and redraws flattened. */
class Terminal {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #text = "";
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];
  readonly exited: Promise<number>;

  constructor(command: string, cwd: string) {
    const child = new Deno.Command("script", {
      args: ["-qfec", command, "/dev/null"],
      cwd,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    const read = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        // deno-lint-ignore no-control-regex
        this.#text += chunk.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replaceAll("\r", "\n");
        const shown = this.#waiters.filter((w) => w.pattern.test(this.#text));
        this.#waiters = this.#waiters.filter((w) => !shown.includes(w));
        for (const w of shown) w.resolve();
      }
    })();
    this.exited = (async () => {
      const [status] = await Promise.all([child.status, read, child.stderr.cancel()]);
      for (const w of this.#waiters) w.resolve();
      return status.code;
    })();
  }

  /** Everything shown so far. */
  get text(): string {
    return this.#text;
  }

  /** Resolves once the screen shows `pattern`. */
  async waitFor(pattern: RegExp): Promise<void> {
    if (!pattern.test(this.#text)) {
      await new Promise<void>((resolve) => this.#waiters.push({ pattern, resolve }));
    }
    assert.match(this.#text, pattern, "the command ended first");
  }

  /** Types a key, as a user would. */
  async type(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  async close(): Promise<number> {
    await this.#stdin.close().catch(() => {});
    return await this.exited;
  }
}

Deno.test({
  name:
    "one Ctrl-C under `npx -y deno@2.9.6 task sluice run` stops gracefully: summary, resume line, 130",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sluice_pty_" });
    // The mock answers the first 20, then holds every answer until the test lets them go.
    const gate = new Gate({ closeAfter: 20 });
    const server = serveMockApi({ port: 0, record: true, latencyMs: 1, clock: gate });
    try {
      await writeQueries(`${dir}/queries.jsonl`, ITEMS);
      const run = [
        "run",
        `${dir}/queries.jsonl`,
        "--db",
        `file:${dir}/pty.db`,
        "--job",
        "pty",
        "--url",
        `http://127.0.0.1:${server.port}/search`,
        "--body",
        '{"q":"{{q}}"}',
        "--rate",
        "20/s",
        "--concurrency",
        String(CONCURRENCY),
      ];
      const terminal = new Terminal(commandLine(NPX_TASK, run), CLONE_DIR);
      await gate.whenHeld(CONCURRENCY);
      await terminal.type("\x03");
      await terminal.waitFor(/sluice: stopping/);
      gate.open();
      const code = await terminal.close();
      const shown = terminal.text;

      assert.equal(code, 130, shown);
      assert.doesNotMatch(shown, /stopped at once/);
      assert.equal(shown.match(/sluice: stopping/g)?.length, 1, shown);
      assert.match(shown, /^sluice: \d+\/60 done, 0 failed, \d+ pending in /m);
      const resume = /Resume with: (npx .*)$/m.exec(shown)?.[1];
      assert.equal(
        resume,
        // The job holds its input, request and settings: --db and --job are all it needs.
        commandLine(NPX_TASK, ["run", "--db", `file:${dir}/pty.db`]) + " --job pty",
      );

      const after = await inspectDb(`${dir}/pty.db`);
      const possiblySent = after.items.filter((i) => i.possiblySent > 0).length;
      assert.ok(possiblySent <= CONCURRENCY, `${possiblySent} items possibly sent`);
      assert.equal(after.count("inflight"), 0);
      // Every request the mock saw was answered and committed, once.
      assert.equal(server.api.stats.requests, after.count("done"));
      for (const [key, n] of server.api.keys) assert.equal(n, 1, `${key} sent ${n} times`);

      // The resume line runs as printed and finishes the job.
      const resumed = await new Deno.Command("sh", {
        args: ["-c", resume!],
        cwd: CLONE_DIR,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      assert.equal((await inspectDb(`${dir}/pty.db`)).count("done"), ITEMS);
      assert.equal(server.api.keys.size, ITEMS);
    } finally {
      gate.open();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
