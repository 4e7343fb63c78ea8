/**
 * `sluice mock` (the built-in demo API) and `sluice demo` (the mock and the
 * example job in one process).
 *
 * @module
 */
import { fromFileUrl } from "./_path.ts";
import { type Console, EXIT, runCommand } from "./cli_run.ts";
import { InputError } from "./errors.ts";
import { serveMockApi, type ServeMockOptions } from "./mock_server.ts";
import { openStore } from "./store.ts";

/** Flags of `sluice mock`. */
export interface MockFlags {
  port?: string;
  rate?: string;
  burst?: string;
  limiter?: "window" | "bucket";
  headers?: "ietf" | "legacy" | "x" | "none";
  latency?: string;
  failRate?: string;
  resetRate?: string;
  seed?: string;
  record?: boolean;
}

function number(text: string | undefined, name: string, min: number, max = Infinity) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new InputError(
      `Cannot parse ${name} as a number from ${min} to ${max}: current value is '${text}'`,
    );
  }
  return n;
}

/** Resolves mock flags to server options. */
export function mockOptions(flags: MockFlags): ServeMockOptions {
  const options: ServeMockOptions = { port: number(flags.port, "--port", 0, 65535) ?? 8787 };
  const rate = number(flags.rate?.replace(/\/s$/, ""), "--rate", 0);
  if (rate) options.rate = rate;
  const burst = number(flags.burst, "--burst", 1);
  if (burst) options.burst = burst;
  if (flags.limiter) options.limiter = flags.limiter;
  if (flags.headers) options.headers = flags.headers;
  const latency = number(flags.latency, "--latency", 0);
  if (latency) options.latencyMs = latency;
  const failRate = number(flags.failRate, "--fail-rate", 0, 1);
  if (failRate) options.failRate = failRate;
  const resetRate = number(flags.resetRate, "--reset-rate", 0, 1);
  if (resetRate) options.resetRate = resetRate;
  const seed = number(flags.seed, "--seed", 0);
  if (seed !== undefined) options.seed = seed;
  if (flags.record) options.record = true;
  return options;
}

/** Serves the mock API until stopped. */
export async function mockCommand(flags: MockFlags, io: Console, stop: AbortSignal) {
  const server = serveMockApi({ ...mockOptions(flags), signal: stop });
  io.error(
    `sluice mock: listening on http://127.0.0.1:${server.port} (POST /search, GET /_mock/stats)` +
      (flags.rate ? `; limited to ${flags.rate}/s` : ""),
  );
  await server.finished;
  return EXIT.ok;
}

/** Runs queries.example.json against an in-process mock API and shows where the answers are. */
export async function demoCommand(flags: { db?: string }, io: Console, stop: AbortSignal) {
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
      const rs = await store.client.execute(
        `SELECT i.key, json_extract(r.body, '$.results[0].title') AS title
         FROM items i JOIN responses r ON r.item = i.id ORDER BY i.id LIMIT 3`,
      );
      io.log("First answers (SELECT key, json_extract(body, '$.results[0].title') ...):");
      for (const row of rs.rows) io.log(`  ${row.key}  →  ${row.title}`);
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
