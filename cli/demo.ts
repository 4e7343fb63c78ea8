/**
 * `sluice demo`: the example job against the built-in mock API, in one
 * process, then where the answers are; `--llm`: prompts against the mock's
 * token-metered LLM route, paced by its tokens.
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
  /**
   * Prompts to the mock's OpenAI-style route instead, limited to 600
   * requests and 12,000 tokens per 6 s: paced by the tokens its headers
   * advertise, settled by the usage each answer reports.
   *
   * @default false
   */
  llm?: boolean;
}

/** The LLM demo's prompts: ~300 of 12-61 tokens, answers up to 100 (~24,000 tokens in all). */
const LLM_PROMPTS = 300;

/** The LLM demo's job: what `sluice run` is given. */
function llmJob(port: number) {
  const lines = Array.from({ length: LLM_PROMPTS }, (_, i) =>
    JSON.stringify({
      id: i + 1,
      prompt: `Question ${i + 1}: ${"tell me more ".repeat((i * 7) % 20)}`.trim(),
      max_tokens: 100,
    }));
  const flags = {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    body: '{"model":"mock","max_tokens":{{max_tokens}},' +
      '"messages":[{"role":"user","content":"{{prompt}}"}]}',
    rate: "1000/s",
    usage: "tokens=$.usage.total_tokens",
    concurrency: "32",
  };
  return { jsonl: lines.join("\n") + "\n", flags };
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
  const server = flags.llm
    ? serveMockApi({
      port: 0,
      latencyMs: 15,
      tokens: {
        limits: {
          requests: { limit: 600, periodMs: 6000 },
          tokens: { limit: 12_000, periodMs: 6000 },
        },
      },
    })
    : serveMockApi({ port: 0, rate: 100, failRate: 0.05, latencyMs: 15, seed: 7 });
  const dir = await Deno.makeTempDir({ prefix: "sluice-demo-" });
  const db = flags.db ?? `file:${dir}/demo.db`;
  let input = fromFileUrl(new URL("../queries.example.json", import.meta.url));
  let job = { job: "demo", url: `http://127.0.0.1:${server.port}/search` } as Record<
    string,
    string
  >;
  if (flags.llm) {
    const llm = llmJob(server.port);
    input = `${dir}/prompts.jsonl`;
    await Deno.writeTextFile(input, llm.jsonl);
    job = { job: "demo-llm", ...llm.flags };
    io.error(
      `sluice demo: LLM-style mock API on http://127.0.0.1:${server.port}/v1/chat/completions ` +
        `(600 requests and 12,000 tokens per 6 s, OpenAI's headers)`,
    );
  } else {
    io.error(`sluice demo: mock API on http://127.0.0.1:${server.port} (100 req/s, 5% faults)`);
  }
  const answerPath = flags.llm ? "$.choices[0].message.content" : "$.results[0].title";
  try {
    const code = await runCommand(
      input,
      {
        db,
        ...job,
        quiet: !Deno.stderr.isTerminal(),
        // Each demo's mock listens on a new port: the same API, so the job goes on.
        replaceRequest: true,
      },
      io,
      stop,
      { command },
    );
    if (flags.llm) {
      const { requests, throttled, tokens } = server.api.stats;
      io.log(
        `The mock counted ${requests} requests (${throttled} answered 429), ${tokens} tokens.`,
      );
    }
    const store = await openStore(db);
    try {
      const answers = await store.reports.answerValues(answerPath, 3);
      io.log(`First answers (SELECT key, json_extract(body, '${answerPath}') ...):`);
      for (const row of answers) io.log(`  ${row.key}  →  ${row.value}`);
    } finally {
      store.close();
    }
    if (flags.db !== undefined) {
      io.log(`Database: ${db}`);
      io.log(
        `Try: ${commandLine(command, ["status", "--db", db])}   or   ` +
          commandLine(command, ["export", "--db", db]),
      );
    } else {
      const again = ["demo", ...(flags.llm ? ["--llm"] : []), "--db", "demo.db"];
      io.log(`To keep the answers: ${commandLine(command, again)}`);
    }
    return code;
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
