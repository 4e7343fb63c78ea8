/**
 * The flags that shape requests and pacing, shared by `sluice run` and
 * `sluice plan`.
 *
 * @module
 */
import { type Command, Option } from "commander";
import { formatDefault } from "./format_default.ts";
import { DEFAULTS } from "../lib/defaults.ts";

/**
 * Commander's argument parser for a repeatable flag: collects every value.
 *
 * @example Usage
 * ```ts
 * import { collect } from "./request_options.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(collect("b", collect("a")), ["a", "b"]);
 * ```
 */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Options for {@linkcode requestOptions}. */
export interface RequestOptionsOptions {
  /**
   * A dry run (`plan`): the flags that only matter when sending (timeouts,
   * retries, breaker, deadline...) are still accepted and checked, so a
   * `run` line works as a `plan` line, but not listed in --help.
   *
   * @default {false}
   */
  dryRun?: boolean;
}

/**
 * Adds the flags that shape requests and pacing to a command.
 *
 * @example Usage
 * ```ts
 * import { Command } from "commander";
 * import { requestOptions } from "./request_options.ts";
 * import assert from "node:assert/strict";
 * const command = requestOptions(new Command("run")).exitOverride();
 * command.parse(["--rate", "5/s", "--header", "A: 1", "--header", "B: 2"], { from: "user" });
 * assert.deepEqual(command.opts(), { rate: "5/s", header: ["A: 1", "B: 2"], format: "auto" });
 * const plan = requestOptions(new Command("plan"), { dryRun: true });
 * assert.ok(!plan.helpInformation().includes("--timeout"));
 * ```
 */
export function requestOptions(command: Command, options: RequestOptionsOptions = {}): Command {
  const { dryRun = false } = options;
  const sendOnly = (flags: string, description: string) =>
    new Option(flags, description).hideHelp(dryRun);
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
      `pacing: 50/s, 3000/min, 20/s,1000/min,50000/day, auto (discover), none (default ${DEFAULTS.ratePerSecond}/s)`,
    )
    .addOption(
      sendOnly(
        "--burst <n>",
        `requests allowed at once above the rate (default ${DEFAULTS.burst})`,
      ),
    )
    .option("--concurrency <n>", `requests in flight at once (default ${DEFAULTS.concurrency})`)
    .addOption(sendOnly(
      "--timeout <duration>",
      `per-attempt timeout (default ${formatDefault(DEFAULTS.timeoutMs, "s")})`,
    ))
    .addOption(sendOnly(
      "--max-attempts <n>",
      `attempts before an item fails, 429s not counted (default ${DEFAULTS.maxAttempts})`,
    ))
    .addOption(sendOnly(
      "--max-throttled <n>",
      `429 answers before an item fails (default ${DEFAULTS.maxThrottled})`,
    ))
    .addOption(sendOnly(
      "--max-retry-after <duration>",
      `longest Retry-After honoured (default ${formatDefault(DEFAULTS.maxRetryAfterMs, "m")})`,
    ))
    .addOption(sendOnly(
      "--max-body <size>",
      `largest response body kept (default ${formatDefault(DEFAULTS.maxBodyBytes, "MB")})`,
    ))
    .addOption(sendOnly(
      "--retry-base <duration>",
      `first retry's backoff ceiling (default ${formatDefault(DEFAULTS.retryBaseMs, "ms")})`,
    ))
    .addOption(sendOnly("--user-agent <text>", "User-Agent header (default sluice/<version>)"))
    .addOption(sendOnly(
      "--max-redirects <n>",
      `redirects followed per request, final URL stored (default ${DEFAULTS.maxRedirects})`,
    ))
    .addOption(
      sendOnly("--deadline <duration>", "stop the run after this long, as on Ctrl-C (resumable)"),
    )
    .addOption(sendOnly(
      "--breaker-threshold <n>",
      `consecutive 429/5xx/network failures that pause the job (default ${DEFAULTS.breakerThreshold}, 0 = off)`,
    ))
    .addOption(sendOnly(
      "--breaker-cooldown <duration>",
      `pause before one probe request (default ${formatDefault(DEFAULTS.breakerCooldownMs, "s")})`,
    ))
    .addOption(
      new Option("--format <format>", "input format").choices(
        ["auto", "json", "jsonl", "csv"] as const,
      ).default("auto" as const, "auto, from the file name"),
    );
}
