/**
 * `sluice demo`: the example job against the built-in mock API, in one
 * process, then where the answers are.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { runCommand } from "./run.ts";
import { commandLine } from "./shell_quote.ts";
import { serveMockApi } from "../lib/mock/mock_server.ts";
import { openStore } from "../lib/store/store.ts";
import { fromFileUrl } from "../lib/util/from_file_url.ts";

/** Flags of `sluice demo`. */
export interface DemoFlags {
  /** The database's URL. @default a temporary file, removed at the end */
  db?: string;
}

/** Options for {@linkcode demoCommand}. */
export interface DemoOptions {
  /** How the user runs sluice, for the commands suggested. @default "sluice" */
  command?: string;
}

/**
 * Runs queries.example.json against an in-process mock API and shows where
 * the answers are. Without `--db` the database is a temporary file, removed
 * at the end. Resolves to the run's exit code.
 *
 * @example Usage
 * ```ts ignore
 * import { demoCommand } from "./demo.ts";
 * import { stdio } from "./console.ts";
 * await demoCommand({}, stdio, new AbortController().signal);
 * ```
 */
export async function demoCommand(
  flags: DemoFlags,
  io: Console,
  stop: AbortSignal,
  options: DemoOptions = {},
): Promise<number> {
  const { command = "sluice" } = options;
  const server = serveMockApi({ port: 0, rate: 100, failRate: 0.05, latencyMs: 15, seed: 7 });
  const dir = flags.db ? undefined : await Deno.makeTempDir({ prefix: "sluice-demo-" });
  const db = flags.db ?? `file:${dir}/demo.db`;
  const jobFile = fromFileUrl(new URL("../queries.example.json", import.meta.url));
  io.error(`sluice demo: mock API on http://127.0.0.1:${server.port} (100 req/s, 5% faults)`);
  try {
    const code = await runCommand(
      jobFile,
      {
        db,
        job: "demo",
        url: `http://127.0.0.1:${server.port}/search`,
        quiet: !Deno.stderr.isTerminal(),
        // Each demo's mock listens on a new port: the same API, so the job goes on.
        replaceRequest: true,
      },
      io,
      stop,
      { command },
    );
    const store = await openStore(db);
    try {
      const answers = await store.reports.answerValues("$.results[0].title", 3);
      io.log("First answers (SELECT key, json_extract(body, '$.results[0].title') ...):");
      for (const row of answers) io.log(`  ${row.key}  →  ${row.value}`);
    } finally {
      store.close();
    }
    if (dir === undefined) {
      io.log(`Database: ${db}`);
      io.log(
        `Try: ${commandLine(command, ["status", "--db", db])}   or   ` +
          commandLine(command, ["export", "--db", db]),
      );
    } else {
      io.log(`To keep the answers: ${commandLine(command, ["demo", "--db", "demo.db"])}`);
    }
    return code;
  } finally {
    await server.shutdown();
    if (dir !== undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
