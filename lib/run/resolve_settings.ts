/**
 * A run's settings resolved from their layers, by the table in
 * run_settings.ts: a flag wins over a job file (or the library's options),
 * which wins over what the job saved, which wins over the default. For a job
 * being resumed, the settings given that differ from the saved ones are the
 * job's changes: recorded with it, and refused when the server would see
 * them on items that may already have been sent.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import type { SavedValue } from "./setting_parsers.ts";
import { type NamedSetting, runSettingList, type RunSettings } from "./run_settings.ts";

/** Where a setting's value came from. */
export type SettingSource = "flag" | "job file" | "options" | "saved" | "default";

/** One layer of given settings. */
export interface SettingLayer {
  /**
   * Where the values come from: `flag` and `job file` name them by key
   * (`timeout`) and give text or JSON to parse; `options` (the library) by
   * option name (`timeoutMs`), already typed.
   */
  from: "flag" | "job file" | "options";
  /** The values given. */
  values: Readonly<Record<string, unknown>>;
}

/** A saved setting a run changes. */
export interface SettingChange {
  /** The setting. */
  setting: NamedSetting;
  /** The value the job had (saved, or the default when it saved none). */
  from: SavedValue | undefined;
  /** The value from now on. */
  to: SavedValue | undefined;
}

/** What {@linkcode resolveSettings} resolved. */
export interface ResolvedSettings {
  /** Every setting's value. */
  values: RunSettings;
  /** Where each value came from. */
  sources: Record<keyof RunSettings, SettingSource>;
  /** The saved settings given a value (not defaulted), by key, as the job keeps them. */
  saved: Record<string, SavedValue>;
  /** For a job being resumed: the saved settings this run gives another value. */
  changes: SettingChange[];
}

/** A flag's name alone: `--timeout`. */
export function flagName(setting: Pick<NamedSetting, "flag">): string {
  return setting.flag.split(" ")[0]!;
}

/** How a message names a value from `from`. */
function nameIn(setting: NamedSetting, from: SettingSource): string {
  if (from === "job file") return `"${setting.key}" of the job file`;
  if (from === "options") return setting.option;
  if (from === "saved") return `${flagName(setting)} saved with the job`;
  return flagName(setting);
}

/** A layer, or what the job saved. */
interface Layer {
  from: SettingSource;
  values: Readonly<Record<string, unknown>>;
}

/** The value a layer gives a setting, or undefined. */
function given(layer: Layer, setting: NamedSetting): unknown {
  return layer.values[layer.from === "options" ? setting.option : setting.key];
}

/** The setting's value in its saved form; undefined for none. */
function savedForm(setting: NamedSetting, value: unknown): SavedValue | undefined {
  return value === undefined ? undefined : setting.format(value as never);
}

/**
 * Resolves every run setting from the layers given (first wins), then what
 * the job saved (`existing`, undefined for a new job), then the defaults.
 *
 * @throws {InputError} For a value its setting's parser refuses, naming
 * where it came from.
 *
 * @example Usage
 * ```ts
 * import { resolveSettings } from "./resolve_settings.ts";
 * import assert from "node:assert/strict";
 * const resolved = resolveSettings(
 *   [{ from: "flag", values: { concurrency: "32" } }],
 *   { concurrency: 8, timeout: "5s" },
 * );
 * assert.equal(resolved.values.concurrency, 32);
 * assert.equal(resolved.values.timeoutMs, 5000);
 * assert.equal(resolved.sources.timeoutMs, "saved");
 * assert.equal(resolved.saved.timeout, "5s");
 * assert.deepEqual(resolved.changes.map((c) => [c.setting.key, c.from, c.to]), [
 *   ["concurrency", 8, 32],
 * ]);
 * ```
 */
export function resolveSettings(
  layers: readonly SettingLayer[],
  existing?: Readonly<Record<string, unknown>>,
): ResolvedSettings {
  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  const saved: Record<string, SavedValue> = {};
  const changes: SettingChange[] = [];
  const list = runSettingList();
  const byOption = new Map(list.map((s) => [s.option, s]));
  const all: Layer[] = [
    ...layers,
    ...(existing ? [{ from: "saved" as const, values: existing }] : []),
  ];
  for (const setting of list) {
    // A setting that replaces another comes from the first layer naming either.
    const names = [setting, ...(setting.replaces ? [byOption.get(setting.replaces)!] : [])];
    const layer = all.find((l) =>
      (l.from !== "saved" || setting.saved) && names.some((s) => given(l, s) !== undefined)
    );
    const raw = layer && given(layer, setting);
    const from: SettingSource = raw === undefined ? "default" : layer!.from;
    const value = raw === undefined
      ? setting.default
      : from === "options"
      ? raw
      : setting.parse(raw, nameIn(setting, from));
    values[setting.option] = value;
    sources[setting.option] = from;
    if (!setting.saved) continue;
    // What the job was asked for is saved; a default stays the default of the version running.
    const form = savedForm(setting, value);
    if (form !== undefined && from !== "default") saved[setting.key] = form;
    if (!existing || from === "saved") continue;
    const before = existing[setting.key] === undefined
      ? setting.default
      : setting.parse(existing[setting.key], nameIn(setting, "saved"));
    const was = savedForm(setting, before);
    if (was !== form) changes.push({ setting, from: was, to: form });
  }
  return {
    values: values as unknown as RunSettings,
    sources: sources as Record<keyof RunSettings, SettingSource>,
    saved,
    changes,
  };
}

/** A saved value as `status` and messages show it. */
export function showSaved(setting: NamedSetting, value: SavedValue | undefined): string {
  if (value === undefined) return "(none)";
  return setting.show ? setting.show(value) : typeof value === "string" ? value : String(value);
}

/** One line per change: `--concurrency: 8 → 32`. */
export function describeChanges(changes: readonly SettingChange[]): string[] {
  return changes.map((c) =>
    `${flagName(c.setting)}: ${showSaved(c.setting, c.from)} → ${showSaved(c.setting, c.to)}`
  );
}

/** Options for {@linkcode keepSettings}. */
export interface KeepSettingsOptions {
  /** Accept a change the server sees (`--replace-request`). @default {false} */
  replace?: boolean;
  /** The time the change is recorded at (epoch ms). @default {Date.now()} */
  now?: number;
}

/**
 * A resumed job's setting changes: refused when the server would see them
 * on items that may already have been sent (unless `replace`), otherwise
 * recorded in the settings to save, as `settingsChanged` (when, and what
 * changed), kept with the job for as long as it lives.
 *
 * @param job The job's name, for the message.
 * @param resolved The settings resolved for this run; its `saved` gains the record.
 * @param previous What the job saved before this run.
 * @throws {InputError} For a change the server would see, without `replace`.
 *
 * @example Usage
 * ```ts
 * import { keepSettings, resolveSettings } from "./resolve_settings.ts";
 * import assert from "node:assert/strict";
 * const previous = { idempotencyKey: "X-Req-Id", concurrency: 4 };
 * const more = resolveSettings([{ from: "flag", values: { concurrency: "8" } }], previous);
 * const saved = keepSettings("j", more, previous, { now: 0 });
 * assert.deepEqual(saved.settingsChanged, [
 *   { at: "1970-01-01T00:00:00.000Z", changes: ["--concurrency: 4 → 8"] },
 * ]);
 * const none = resolveSettings([{ from: "flag", values: { idempotencyKey: false } }], previous);
 * assert.throws(() => keepSettings("j", none, previous), { name: "InputError" });
 * ```
 */
export function keepSettings(
  job: string,
  resolved: ResolvedSettings,
  previous: Readonly<Record<string, unknown>>,
  options: KeepSettingsOptions = {},
): Record<string, unknown> {
  const { replace = false, now = Date.now() } = options;
  const { changes } = resolved;
  const history = Array.isArray(previous.settingsChanged) ? previous.settingsChanged : [];
  const saved: Record<string, unknown> = {
    ...resolved.saved,
    ...(history.length > 0 ? { settingsChanged: history } : {}),
  };
  if (changes.length === 0) return saved;
  const seen = changes.filter((c) => c.setting.seenByServer);
  if (seen.length > 0 && !replace) {
    throw new InputError(
      `Job "${job}" was sent with other settings the server sees on every request; items ` +
        `may already have been sent, and the server could not tell them again:\n  ${
          describeChanges(seen).join("\n  ")
        }\nPass --replace-request to use the new settings from now on (recorded in the job), ` +
        `or --job NAME to start a new job`,
    );
  }
  saved.settingsChanged = [
    ...history,
    { at: new Date(now).toISOString(), changes: describeChanges(changes) },
  ];
  return saved;
}
