/**
 * What a job saved of its settings, as `status`, `status --json` and the
 * dashboard show it: read through the table of run_settings.ts, so that a
 * setting added there is shown without another word here.
 *
 * @module
 */
import { flagName, showSaved } from "./resolve_settings.ts";
import { type NamedSetting, runSettingList } from "./run_settings.ts";
import type { SavedValue } from "./setting_parsers.ts";

/** One saved setting. */
export interface SavedSetting {
  /** The setting. */
  setting: NamedSetting;
  /** Its value as the job keeps it, in the form the setting saves today. */
  value: SavedValue;
}

/** The saved value in today's form (`30000ms` saved by an older sluice reads `30s`). */
function normalized(setting: NamedSetting, value: unknown): SavedValue {
  try {
    return setting.format(setting.parse(value, flagName(setting)) as never) ??
      String(value);
  } catch {
    return typeof value === "number" || typeof value === "boolean" ? value : String(value);
  }
}

/**
 * The settings a job saved, in the table's order.
 *
 * @example Usage
 * ```ts
 * import { savedSettings } from "./saved_settings.ts";
 * import assert from "node:assert/strict";
 * const saved = savedSettings({ timeout: "30000ms", concurrency: 4, discoveredRate: { rate: 5 } });
 * assert.deepEqual(saved.map((s) => [s.setting.key, s.value]), [["concurrency", 4], ["timeout", "30s"]]);
 * ```
 */
export function savedSettings(options: Readonly<Record<string, unknown>>): SavedSetting[] {
  return runSettingList()
    .filter((setting) => setting.saved && options[setting.key] !== undefined)
    .map((setting) => ({ setting, value: normalized(setting, options[setting.key]) }));
}

/**
 * The saved settings as flags, the way `status` and the dashboard show
 * them: `--concurrency 4`, `--keep-attempts`, `--no-idempotency-key`.
 *
 * @example Usage
 * ```ts
 * import { shownSettings } from "./saved_settings.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(shownSettings({ rate: "5/s", keepAttempts: true, idempotencyKey: false }), [
 *   "--rate 5/s",
 *   "--keep-attempts",
 *   "--no-idempotency-key",
 * ]);
 * ```
 */
export function shownSettings(options: Readonly<Record<string, unknown>>): string[] {
  return savedSettings(options).flatMap(({ setting, value }) => {
    if (value === false) return setting.negation ? [setting.negation.flag] : [];
    if (value === true) return [flagName(setting)];
    return [`${flagName(setting)} ${showSaved(setting, value)}`];
  });
}

/**
 * A job's options for `status --json`: each saved setting in today's form,
 * then what else the job keeps (the rate `--rate auto` found, the history of
 * replaced requests and changed settings).
 *
 * @example Usage
 * ```ts
 * import { optionsView } from "./saved_settings.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(optionsView({ maxBody: 2000000, discoveredRate: { rate: 5 } }), {
 *   maxBody: "2MB",
 *   discoveredRate: { rate: 5 },
 * });
 * ```
 */
export function optionsView(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const settings = savedSettings(options);
  const keys = new Set(runSettingList().map((s) => s.key));
  return {
    ...Object.fromEntries(settings.map(({ setting, value }) => [setting.key, value])),
    ...Object.fromEntries(Object.entries(options).filter(([key]) => !keys.has(key))),
  };
}
