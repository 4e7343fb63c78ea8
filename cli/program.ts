/**
 * The command table of the sluice command line (commander): every command,
 * flag, default shown in --help and choice, wired to the command functions.
 *
 * @module
 */
import { Command, Option } from "commander";
import { type Console, stdio } from "./console.ts";
import { demoDbUrl, keptDbUrl } from "./db_url.ts";
import type { DemoFlags } from "./demo.ts";
import type { ExportFlags } from "./export.ts";
import { EXIT_CODES_HELP, optionDescription, RUN_HELP } from "./help_text.ts";
import { inputOptions } from "./input_options.ts";
import type { MockFlags } from "./mock.ts";
import type { PlanFlags } from "./plan.ts";
import type { ProcessFlags } from "./process.ts";
import { collect, requestOptions } from "./request_options.ts";
import type { RetryFlags } from "./retry.ts";
import type { RunCommandFlags } from "./run.ts";
import type { SqlFlags } from "./sql.ts";
import { denoServe, type Serve } from "./serve.ts";
import type { DashboardFlags } from "./start_dashboard.ts";
import type { StatusFlags } from "./status.ts";
import { parseWorkers, WORKER_CHILD_FLAG, workersCommand } from "./workers.ts";
import { DEFAULTS } from "../lib/defaults.ts";
import { VERSION } from "../lib/version.ts";

/** Options for {@linkcode buildProgram}. */
export interface ProgramOptions {
  /** Aborted when the user asks to stop (the first SIGINT, SIGTERM or SIGHUP). */
  stop: AbortSignal;
  /** Aborted when the user asks to stop at once (a second signal). @default undefined */
  stopNow?: AbortSignal;
  /** Receives the exit code of the command that ran. */
  setExit: (code: number) => void;
  /** Where messages go. @default stdio */
  io?: Console;
  /** Serves the dashboard. @default denoServe */
  serve?: Serve;
  /** How the user runs sluice (`sluice`, `deno task sluice`...), for printed hints. @default "sluice" */
  command?: string;
}

/**
 * Builds the command table: one commander command per sluice command, each
 * handing its flags to the function in its own file. A command's file is
 * loaded when the command runs: `sluice run` does not start by loading the
 * other commands' modules (the SQL table printer's string-width alone is
 * ~50 ms of CPU at every start).
 *
 * @example Usage
 * ```ts
 * import { buildProgram } from "./program.ts";
 * import assert from "node:assert/strict";
 * const program = buildProgram({ stop: new AbortController().signal, setExit: () => {} });
 * assert.deepEqual(
 *   program.commands.map((c) => c.name()),
 *   ["run", "plan", "status", "export", "process", "sql", "retry", "mock", "dashboard", "demo"],
 * );
 * ```
 */
export function buildProgram(options: ProgramOptions): Command {
  const { stop, stopNow, setExit, io = stdio, serve = denoServe, command = "sluice" } = options;
  const program = new Command()
    .name("sluice")
    .description("Push many queries through a rate-limited API, politely; every answer in libSQL.")
    .version(VERSION)
    .exitOverride()
    // Set before the commands are added: each inherits it.
    .configureHelp({ optionDescription })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", EXIT_CODES_HELP)
    .option("--auth-token <token>", "libSQL server token (default LIBSQL_AUTH_TOKEN)")
    // Where every command's store (and each worker of --workers) reads its default token.
    .hook("preAction", (root) => {
      const token = root.opts<{ authToken?: string }>().authToken;
      if (token) Deno.env.set("LIBSQL_AUTH_TOKEN", token);
    });

  inputOptions(requestOptions(
    program.command("run")
      .description("import queries and send them (resumes the job when run again)")
      .argument("[input]", "queries: .jsonl, .csv, .json (array or job file), or - for stdin"),
  ))
    .option(
      "--db <url>",
      "database: PATH, file:PATH, libsql://… or http://…",
      keptDbUrl,
      DEFAULTS.db,
    )
    .option("--job <name>", "job name (default the input's base name)")
    .option("--append", "add a different input's queries to an existing job")
    .option("--quiet", "no progress line")
    .option(
      "--dashboard [port]",
      `serve the dashboard while running (default port ${DEFAULTS.dashboardPort})`,
    )
    .option("--host <address>", "dashboard address; beyond loopback every page needs the token")
    .option(
      "--token <token>",
      "dashboard token for pause, resume and rate changes (default random)",
    )
    .option(
      "--replace-request",
      "resume a job with a different method, URL, header or body (recorded in the job)",
    )
    .option("--workers <n>", "start N worker processes on this job (auto: one per core)")
    .addOption(new Option(WORKER_CHILD_FLAG, "a worker started by --workers").hideHelp())
    .addHelpText("after", RUN_HELP)
    .action(async (input: string | undefined, flags: RunCommandFlags, cmd: Command) =>
      setExit(
        flags.workers !== undefined && !flags.workerChild
          ? await workersCommand(
            parseWorkers(flags.workers),
            cmd.parent?.args ?? [],
            input,
            flags.db,
            io,
            stop,
            stopNow ? { stopNow } : {},
          )
          : await (await import("./run.ts")).runCommand(input, flags, io, stop, {
            serve,
            command,
            ...(stopNow ? { stopNow } : {}),
          }),
      )
    );

  inputOptions(requestOptions(
    program.command("plan")
      .description("dry run: validate the input, print the first requests, estimate the duration")
      .argument("<input>", "queries file or - for stdin"),
    { dryRun: true },
  ))
    .option("--show <n>", "how many requests to print", "3")
    .action(async (input: string, flags: PlanFlags) =>
      setExit(await (await import("./plan.ts")).planCommand(input, flags, io))
    );

  program.command("status")
    .description("counts per job: done, failed, pending, in flight, failure reasons")
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .option("--job <name>", "only this job")
    .option("--json", "print JSON")
    .action(async (flags: StatusFlags) =>
      setExit(await (await import("./status.ts")).statusCommand(flags, io))
    );

  program.command("export")
    .description("one record per item: key, state, final HTTP status, response body")
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .option("--job <name>", "the job (needed when the database holds several)")
    .addOption(
      new Option("--format <format>", "output format").choices(["jsonl", "csv"]).default(
        "jsonl" as const,
      ),
    )
    .option("--out <file>", "write to a file instead of stdout")
    .option("--table <name>", "export this table or view instead of the job's items")
    .option("--csv-raw", "CSV: keep text starting with = + - @ as it is, not prefixed with '")
    .option("--bom", "CSV: start with a UTF-8 byte order mark, for spreadsheets that need one")
    .action(async (flags: ExportFlags) =>
      setExit(await (await import("./export.ts")).exportCommand(flags))
    );

  program.command("process")
    .description(
      "process stored answers into your tables again (--into, --processor); sends nothing",
    )
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .option("--job <name>", "the job (needed when the database holds several)")
    .option("--schema <sql>", "SQL run first, e.g. CREATE TABLE IF NOT EXISTS (or @file.sql)")
    .option(
      "--into <sql>",
      "SQL run for each stored 2xx answer (default the job's own; or @file.sql)",
    )
    .option("--processor <file>", "processor module (default the job's own)")
    .option(
      "--processor-timeout <duration>",
      "longest the processor may take over one answer (default the job's own, or 30s)",
    )
    .option(
      "--rebuild",
      "drop the job's tables, make them again from the current --schema or processor, " +
        "and derive every row again from the stored answers",
    )
    .option("--quiet", "no progress lines")
    .action(async (flags: ProcessFlags) =>
      setExit(await (await import("./process.ts")).processCommand(flags, io, stop))
    );

  program.command("sql")
    .description("run SQL over the database and print the rows (read-only unless --write)")
    .argument("<sql>", "statements separated by ; (the last one's rows are printed), or @file.sql")
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .addOption(
      new Option("--format <format>", "output format (default table on a terminal, else csv)")
        .choices(["table", "csv", "jsonl", "json"] as const),
    )
    .option("--write", "let the SQL change the database")
    .option("--csv-raw", "CSV: keep text starting with = + - @ as it is, not prefixed with '")
    .option("--bom", "CSV: start with a UTF-8 byte order mark, for spreadsheets that need one")
    .action(async (sql: string, flags: SqlFlags) =>
      setExit(await (await import("./sql.ts")).sqlCommand(sql, flags, io))
    );

  program.command("retry")
    .description("put failed items back in the queue (attempts reset)")
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .option("--job <name>", "the job")
    .addOption(
      new Option("--status <class>", "which failures").choices(
        ["failed", "5xx", "4xx", "429", "timeout", "network"] as const,
      ).default("failed"),
    )
    .action(async (flags: RetryFlags) =>
      setExit(await (await import("./retry.ts")).retryCommand(flags, io, { command }))
    );

  program.command("mock")
    .description("serve the built-in demo API on 127.0.0.1 (POST /search)")
    .option("--port <n>", "port (0 = any free)", String(DEFAULTS.mockPort))
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
    .option(
      "--tokens <limits>",
      "serve token-metered routes (POST /v1/chat/completions, /v1/messages) limited to e.g. 500/min,tokens=90000/min",
    )
    .addOption(
      new Option("--token-headers <family>", "rate-limit headers of the token routes").choices(
        ["auto", "openai", "anthropic", "ietf", "none"] as const,
      ),
    )
    .option("--usage-header <name>", "also report each token answer's total tokens in this header")
    .action(async (flags: MockFlags) =>
      setExit(await (await import("./mock.ts")).mockCommand(flags, io, stop))
    );

  program.command("dashboard")
    .description("serve the dashboard over a database (127.0.0.1 unless --host)")
    .option("--db <url>", "database", keptDbUrl, DEFAULTS.db)
    .option("--port <n>", "port", String(DEFAULTS.dashboardPort))
    .option("--host <address>", "address to bind; beyond loopback every page needs the token")
    .option("--token <token>", "access token (default a random one, printed)")
    .action(async (flags: DashboardFlags & { db: string }) =>
      setExit(await (await import("./dashboard.ts")).dashboardCommand(flags, io, stop, serve))
    );

  program.command("demo")
    .description("run queries.example.json against the built-in mock API, in-process")
    .option("--db <url>", "database (default a temporary file, removed at the end)", demoDbUrl)
    .option("--llm", "prompts to the mock's token-metered LLM route instead, paced by its tokens")
    .action(async (flags: DemoFlags) =>
      setExit(await (await import("./demo.ts")).demoCommand(flags, io, stop, { command }))
    );

  return program;
}
