/**
 * The flags that shape requests and pacing, shared by `sluice run` and
 * `sluice plan`: the request's own, and the run settings'.
 *
 * @module
 */
import { type Command, Option } from "commander";
import { settingOptions, type SettingOptionsOptions } from "./setting_options.ts";

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

/**
 * Adds the flags of a request (URL, method, headers, body), every run
 * setting's (cli/setting_options.ts) and the input's format to a command.
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
export function requestOptions(command: Command, options: SettingOptionsOptions = {}): Command {
  command
    .option("--url <url>", "URL template, e.g. https://api.example.com/search?q={{q}}")
    .option("--method <method>", "HTTP method (default GET, or POST with --body)")
    .option(
      "--header <header>",
      "header 'Name: value' (repeatable; {{env.NAME}} for secrets)",
      collect,
    )
    .option("--body <template>", `body template, e.g. '{"q":"{{q}}"}'`);
  return settingOptions(command, options).addOption(
    new Option("--format <format>", "input format").choices(
      ["auto", "json", "jsonl", "csv"] as const,
    ).default("auto" as const, "auto, from the file name"),
  );
}
