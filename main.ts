#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write --allow-env --allow-ffi --allow-sys
/**
 * The sluice command line. Parses arguments, wires `lib/`, and is the only
 * place that exits the process.
 *
 * @module
 */
import { Command, CommanderError, Option } from "commander";
import type { PlanFlags, RunCommandFlags } from "./cli/run.ts";
import type { MockFlags } from "./cli/mock.ts";
import { EXIT, planCommand, runCommand } from "./cli/run.ts";
import { exportCommand, retryCommand, statusCommand } from "./cli/report.ts";
import { demoCommand, mockCommand } from "./cli/mock.ts";
import { InputError, StoreError } from "./lib/errors.ts";
import { VERSION } from "./lib/version.ts";
import { dashboardCommand, type DashboardFlags, type Serve } from "./cli/dashboard.ts";

// The CLI's only writers: data to stdout, messages to stderr.
const io = {
  // deno-lint-ignore no-console
  log: (line: string) => console.log(line),
  // deno-lint-ignore no-console
  error: (line: string) => console.error(line),
};

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--db` takes a URL or a plain file path: `out.db` means `file:out.db`. */
function dbUrl(value: string): string {
  return value === ":memory:" || /^[a-z][a-z0-9+.-]+:/i.test(value) ? value : `file:${value}`;
}

/** Adds the flags that shape requests and pacing (shared by `run` and `plan`). */
function requestOptions(command: Command): Command {
  return command
    .option("--url <url>", "URL template, e.g. https://api.example.com/search?q={{q}}")
    .option("--method <method>", "HTTP method (default GET, or POST with --body)")
    .option(
      "--header <header>",
      "header 'Name: value' (repeatable; {{env.NAME}} for secrets)",
      collect,
    )
    .option("--body <template>", `body template, e.g. '{"q":"{{q}}"}'`)
    .option(
      "--rate <rate>",
      "pacing: 50/s, 3000/min, 20/s,1000/min,50000/day, auto (discover), none (default 10/s)",
    )
    .option("--burst <n>", "requests allowed at once above the rate (default 1)")
    .option("--concurrency <n>", "requests in flight at once (default 16)")
    .option("--timeout <duration>", "per-attempt timeout (default 30s)")
    .option("--max-attempts <n>", "attempts before an item fails, 429s not counted (default 5)")
    .option("--max-throttled <n>", "429 answers before an item fails (default 50)")
    .option("--max-retry-after <duration>", "longest Retry-After honoured (default 5m)")
    .option("--max-body <size>", "largest response body kept (default 10MB)")
    .option("--retry-base <duration>", "first retry's backoff ceiling (default 500ms)")
    .option("--user-agent <text>", "User-Agent header (default sluice/<version>)")
    .option("--max-redirects <n>", "redirects followed per request, final URL stored (default 10)")
    .option("--deadline <duration>", "stop the run after this long, as on Ctrl-C (resumable)")
    .option(
      "--breaker-threshold <n>",
      "consecutive 429/5xx/network failures that pause the job (default 10, 0 = off)",
    )
    .option("--breaker-cooldown <duration>", "pause before one probe request (default 10s)")
    .addOption(
      new Option("--format <format>", "input format").choices(
        ["auto", "json", "jsonl", "csv"] as const,
      ),
    );
}

/** Builds the command table; exported for tests. */
export function buildProgram(stop: AbortSignal, setExit: (code: number) => void) {
  const program = new Command()
    .name("sluice")
    .description("Push many queries through a rate-limited API, politely; every answer in libSQL.")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");

  requestOptions(
    program.command("run")
      .description("import queries and send them (resumes the job when run again)")
      .argument("[input]", "queries: .jsonl, .csv, .json (array or job file), or - for stdin"),
  )
    .option(
      "--db <url>",
      "database: PATH, file:PATH, libsql://… or http://…",
      dbUrl,
      "file:sluice.db",
    )
    .option("--job <name>", "job name (default: the input's base name)")
    .option("--append", "add a different input's queries to an existing job")
    .option("--keep-attempts", "store every attempt's response, not only the final one")
    .option("--idempotency-key <header>", "idempotency header name (default Idempotency-Key)")
    .option("--no-idempotency-key", "send no idempotency header")
    .option("--grace <duration>", "after Ctrl-C, time for in-flight requests (default 10s)")
    .option("--lease <duration>", "claim lease, renewed while running (default 60s)")
    .option("--quiet", "no progress line")
    .option("--dashboard [port]", "serve the dashboard while running (default port 8788)")
    .option("--host <address>", "dashboard address; beyond loopback every page needs the token")
    .option(
      "--token <token>",
      "dashboard token for pause, resume and rate changes (default: random)",
    )
    .action(async (input: string | undefined, flags: RunCommandFlags) =>
      setExit(await runCommand(input, flags, io, stop, serve))
    );

  requestOptions(
    program.command("plan")
      .description("dry run: validate the input, print the first requests, estimate the duration")
      .argument("<input>", "queries file or - for stdin"),
  )
    .option("--show <n>", "how many requests to print", "3")
    .action(async (input: string, flags: PlanFlags) =>
      setExit(await planCommand(input, flags, io))
    );

  program.command("status")
    .description("counts per job: done, failed, pending, in flight, failure reasons")
    .option("--db <url>", "database", dbUrl, "file:sluice.db")
    .option("--job <name>", "only this job")
    .option("--json", "print JSON")
    .action(async (flags: { db: string; job?: string; json?: boolean }) =>
      setExit(await statusCommand(flags, io))
    );

  program.command("export")
    .description("one record per item: key, state, final HTTP status, response body")
    .option("--db <url>", "database", dbUrl, "file:sluice.db")
    .option("--job <name>", "the job (needed when the database holds several)")
    .addOption(
      new Option("--format <format>", "output format").choices(["jsonl", "csv"]).default(
        "jsonl" as const,
      ),
    )
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (flags: { db: string; job?: string; format?: string; out?: string }) =>
      setExit(await exportCommand(flags))
    );

  program.command("retry")
    .description("put failed items back in the queue (attempts reset)")
    .option("--db <url>", "database", dbUrl, "file:sluice.db")
    .option("--job <name>", "the job")
    .addOption(
      new Option("--status <class>", "which failures").choices(
        ["failed", "5xx", "4xx", "429", "timeout", "network"] as const,
      ).default("failed"),
    )
    .action(async (flags: { db: string; job?: string; status?: string }) =>
      setExit(await retryCommand(flags, io))
    );

  program.command("mock")
    .description("serve the built-in demo API on 127.0.0.1 (POST /search)")
    .option("--port <n>", "port (0 = any free)", "8787")
    .option("--rate <n>", "requests per second allowed (default unlimited)")
    .option("--burst <n>", "burst allowed in bucket mode")
    .addOption(
      new Option("--limiter <mode>", "window or bucket").choices(["window", "bucket"]),
    )
    .addOption(
      new Option("--headers <family>", "RateLimit headers sent").choices(
        ["ietf", "legacy", "x", "none"] as const,
      ),
    )
    .option("--windows <rates>", "extra fixed windows, e.g. 1000/min,50000/day")
    .option(
      "--outage <spec>",
      "503 + Retry-After from START to END, e.g. 5s-8s:2 (seconds; repeatable)",
      collect,
    )
    .addOption(
      new Option("--retry-after <form>", "form of Retry-After").choices(
        ["seconds", "date"] as const,
      ),
    )
    .option("--slow-rate <p>", "fraction of requests answered slowly")
    .option("--slow-ms <ms>", "extra delay of the slow requests")
    .option("--latency <ms>", "added latency per request")
    .option("--fail-rate <p>", "fraction of requests answered 5xx")
    .option("--reset-rate <p>", "fraction of connections dropped")
    .option("--seed <n>", "seed of the injected faults")
    .option("--record", "count requests per key (GET /_mock/keys)")
    .action(async (flags: MockFlags) => setExit(await mockCommand(flags, io, stop)));

  program.command("dashboard")
    .description("serve the dashboard over a database (127.0.0.1 unless --host)")
    .option("--db <url>", "database", "file:sluice.db")
    .option("--port <n>", "port", "8788")
    .option("--host <address>", "address to bind; beyond loopback every page needs the token")
    .option("--token <token>", "access token (default: a random one, printed)")
    .action(async (flags: DashboardFlags & { db: string }) =>
      setExit(await dashboardCommand(flags, io, stop, serve))
    );

  program.command("demo")
    .description("run queries.example.json against the built-in mock API, in-process")
    .option("--db <url>", "database (default: a fresh temporary file)", dbUrl)
    .action(async (flags: { db?: string }) => setExit(await demoCommand(flags, io, stop)));

  return program;
}

/** The dashboard's HTTP server: the one place it meets Deno.serve. */
const serve: Serve = (app, { hostname, port, signal }) => {
  const server = Deno.serve({ hostname, port, signal, onListen: () => {} }, app.fetch);
  return { port: server.addr.port, finished: server.finished };
};

/** Runs the CLI; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const stop = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      io.error(
        "\nsluice: stopping; in-flight requests get the grace period (signal again to stop now)",
      );
      stop.abort(new Error("interrupted"));
    } else {
      io.error("sluice: stopped at once; everything committed is kept");
      Deno.exit(EXIT.interrupted);
    }
  };
  const listeners: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of listeners) Deno.addSignalListener(s, onSignal);
  let code: number = EXIT.ok;
  try {
    await buildProgram(stop.signal, (c) => code = c).parseAsync(args, { from: "user" });
  } catch (error) {
    code = reportError(error);
  } finally {
    for (const s of listeners) Deno.removeSignalListener(s, onSignal);
  }
  return code;
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof InputError || error instanceof RangeError) {
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
