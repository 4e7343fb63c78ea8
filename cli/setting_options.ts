/**
 * The run settings' command-line options, derived from the table in
 * lib/run/run_settings.ts: each setting's flag, its --help text with the
 * default, and the flag that turns it off.
 *
 * @module
 */
import { type Command, Option } from "commander";
import { runSettingList } from "../lib/run/run_settings.ts";

/** Options for {@linkcode settingOptions}. */
export interface SettingOptionsOptions {
  /**
   * A dry run (`plan`): the settings that only matter when sending are
   * still accepted and checked, so a `run` line works as a `plan` line, but
   * not listed in --help.
   *
   * @default {false}
   */
  dryRun?: boolean;
}

/**
 * Adds every run setting's flag to a command. A setting's default is said
 * in its --help line, `(default 30s)`, but not given to commander: a flag
 * the user did not give stays undefined, so that a job file's or a saved
 * job's value can apply.
 *
 * @example Usage
 * ```ts
 * import { Command } from "commander";
 * import { settingOptions } from "./setting_options.ts";
 * import assert from "node:assert/strict";
 * const command = settingOptions(new Command("run")).exitOverride();
 * command.parse(["--timeout", "5s", "--no-idempotency-key"], { from: "user" });
 * assert.deepEqual(command.opts(), { timeout: "5s", idempotencyKey: false });
 * assert.match(command.helpInformation(), /per-attempt timeout \(default 30s\)/);
 * ```
 */
export function settingOptions(command: Command, options: SettingOptionsOptions = {}): Command {
  const { dryRun = false } = options;
  for (const setting of runSettingList()) {
    const hidden = dryRun && setting.sendOnly === true;
    const shown = setting.default === undefined || typeof setting.default === "boolean"
      ? undefined
      : setting.format(setting.default as never);
    const help = shown === undefined
      ? setting.description
      : `${setting.description} (default ${shown}${
        setting.helpNote ? `, ${setting.helpNote}` : ""
      })`;
    command.addOption(new Option(setting.flag, help).hideHelp(hidden));
    if (setting.negation) {
      command.addOption(
        new Option(setting.negation.flag, setting.negation.description).hideHelp(hidden),
      );
    }
  }
  return command;
}
