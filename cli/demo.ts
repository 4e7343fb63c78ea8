/**
 * `sluice demo`: the example job against the built-in mock API, in one
 * process, then where the answers are.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { runCommand } from "./run.ts";
import { serveMockApi } from "../lib/mock/mock_server.ts";
import { openStore } from "../lib/store/store.ts";
import { fromFileUrl } from "../lib/util/from_file_url.ts";

/** Flags of `sluice demo`. */
export interface DemoFlags {
  /** The database's URL. @default a fresh temporary file */
  db?: string;
}

/**
 * Runs queries.example.json against an in-process mock API and shows where
 * the answers are. Resolves to the run's exit code.
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
): Promise<number> {
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
      },
      io,
      stop,
    );
    const store = await openStore(db);
    try {
      const answers = await store.reports.answerValues("$.results[0].title", 3);
      io.log("First answers (SELECT key, json_extract(body, '$.results[0].title') ...):");
      for (const row of answers) io.log(`  ${row.key}  →  ${row.value}`);
    } finally {
      store.close();
    }
    io.log(`Database: ${db}`);
    io.log(`Try: deno task sluice status --db ${db}   or   deno task sluice export --db ${db}`);
    return code;
  } finally {
    await server.shutdown();
  }
}
