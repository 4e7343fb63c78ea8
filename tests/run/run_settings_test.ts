import assert from "node:assert/strict";
import { Command, Option } from "commander";
import { settingOptions } from "../../cli/setting_options.ts";
import { statusCommand } from "../../cli/status.ts";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { InputError } from "../../lib/errors.ts";
import { flagName, resolveSettings } from "../../lib/run/resolve_settings.ts";
import { RUN_SETTINGS, runSettingList } from "../../lib/run/run_settings.ts";
import { optionsView, savedSettings, shownSettings } from "../../lib/run/saved_settings.ts";
import { openStore } from "../../lib/store/store.ts";

Deno.test("every run setting's key is commander's name for its flag, and unique", () => {
  const keys = runSettingList().map((s) => s.key);
  assert.equal(new Set(keys).size, keys.length);
  for (const setting of runSettingList()) {
    assert.equal(new Option(setting.flag).attributeName(), setting.key, setting.flag);
  }
});

Deno.test("every run setting's default reads back from the form it is saved in", () => {
  for (const setting of runSettingList()) {
    if (setting.default === undefined) continue;
    const saved = setting.format(setting.default as never);
    assert.notEqual(saved, undefined, setting.flag);
    assert.deepEqual(setting.parse(saved, flagName(setting)), setting.default, setting.flag);
    // What a job file or an older sluice saved as JSON reads the same.
    assert.deepEqual(
      setting.parse(JSON.parse(JSON.stringify(saved)), flagName(setting)),
      setting.default,
    );
  }
});

Deno.test("every run setting is a flag of run, with its default in --help", () => {
  const help = settingOptions(new Command("run")).helpInformation().replace(/\s+/g, " ");
  for (const setting of runSettingList()) {
    assert.ok(help.includes(`${setting.flag} ${setting.description}`), setting.flag);
  }
  assert.ok(help.includes("(default 10, 0 = off)"));
  assert.ok(help.includes("--no-idempotency-key send no idempotency header"));
});

Deno.test("resolveSettings() takes a flag over the job file over the saved job over the default", () => {
  const saved = { concurrency: 4, timeout: "30000ms", maxBody: "2MB" };
  const resolved = resolveSettings([
    { from: "flag", values: { concurrency: "8" } },
    { from: "job file", values: { concurrency: 6, timeout: "5s" } },
  ], saved);
  assert.equal(resolved.values.concurrency, 8);
  assert.equal(resolved.values.timeoutMs, 5000);
  assert.equal(resolved.values.maxBodyBytes, 2_000_000);
  assert.equal(resolved.values.burst, RUN_SETTINGS.burst.default);
  assert.deepEqual(resolved.sources, {
    ...Object.fromEntries(runSettingList().map((s) => [s.option, "default"])),
    concurrency: "flag",
    timeoutMs: "job file",
    maxBodyBytes: "saved",
  });
  // What was given or saved is saved again; defaults are not.
  assert.deepEqual(resolved.saved, { concurrency: 8, timeout: "5s", maxBody: "2MB" });
  assert.deepEqual(
    resolved.changes.map((c) => [c.setting.key, c.from, c.to]),
    [["concurrency", 4, 8], ["timeout", "30s", "5s"]],
  );
  // A new job has nothing to change.
  assert.deepEqual(resolveSettings([{ from: "flag", values: { concurrency: "8" } }]).changes, []);
});

Deno.test("resolveSettings() takes the library's typed options as they are", () => {
  const resolved = resolveSettings([{
    from: "options",
    values: { timeoutMs: 1500, rate: { kind: "none" } },
  }]);
  assert.equal(resolved.values.timeoutMs, 1500);
  assert.deepEqual(resolved.saved, { timeout: "1500ms", rate: "none" });
});

Deno.test("resolveSettings(): --into and --processor replace each other across layers", () => {
  const resolved = resolveSettings([{ from: "flag", values: { processor: "/p.ts" } }], {
    into: "INSERT INTO t VALUES (:key)",
    schema: "CREATE TABLE t (key TEXT)",
  });
  assert.equal(resolved.values.into, undefined);
  assert.equal(resolved.values.processor, "/p.ts");
  assert.equal(resolved.values.schema, "CREATE TABLE t (key TEXT)");
});

Deno.test("resolveSettings() names where a bad value came from", () => {
  const bad = (layers: Parameters<typeof resolveSettings>[0], saved?: Record<string, unknown>) => {
    try {
      resolveSettings(layers, saved);
    } catch (error) {
      assert.ok(error instanceof InputError);
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(
    bad([{ from: "flag", values: { maxAttempts: "0" } }]),
    "Cannot parse --max-attempts as an integer of at least 1: current value is '0'",
  );
  assert.equal(
    bad([{ from: "job file", values: { lease: "1ms" } }]),
    `Cannot use "lease" of the job file as a duration of at least 1s: current value is '1ms'`,
  );
  assert.equal(
    bad([], { idempotencyKey: "X Req" }),
    "Cannot parse --idempotency-key saved with the job as a header name: current value is 'X Req'",
  );
});

Deno.test("savedSettings() and shownSettings() show a job's settings as flags, in today's form", () => {
  const options = {
    timeout: "30000ms",
    idempotencyKey: false,
    keepAttempts: true,
    into: "INSERT INTO hits\n  SELECT :key, value FROM json_each(:body, '$.results')",
    discoveredRate: { rate: 5 },
  };
  assert.deepEqual(savedSettings(options).map((s) => s.setting.key), [
    "timeout",
    "keepAttempts",
    "idempotencyKey",
    "into",
  ]);
  assert.deepEqual(shownSettings(options), [
    "--timeout 30s",
    "--keep-attempts",
    "--no-idempotency-key",
    `--into "INSERT INTO hits SELECT :key, value FRO…"`,
  ]);
  assert.deepEqual(optionsView(options), { ...options, timeout: "30s" });
});

Deno.test("status and the dashboard show the settings a job saved", async () => {
  const dir = await Deno.makeTempDir();
  const db = `file:${dir}/s.db`;
  const store = await openStore(db);
  await store.jobs.create({
    name: "j",
    request: { url: "http://127.0.0.1:9/x" },
    options: {
      rate: "5/s",
      userAgent: "probe/1",
      settingsChanged: [{ at: "2025-01-01T00:00:00.000Z", changes: ["--rate: 10/s → 5/s"] }],
    },
    now: 0,
  });
  const lines: string[] = [];
  const io = { log: (line: string) => void lines.push(line), error: () => {} };
  try {
    await statusCommand({ db }, io);
    assert.ok(lines.includes("  settings: --rate 5/s --user-agent probe/1"), lines.join("\n"));
    assert.ok(lines.includes("  changed at 2025-01-01T00:00:00.000Z: --rate: 10/s → 5/s"));
    lines.length = 0;
    await statusCommand({ db, json: true }, io);
    const [job] = JSON.parse(lines.join("\n")).jobs;
    assert.equal(job.options.rate, "5/s");
    assert.deepEqual(job.settings, ["--rate 5/s", "--user-agent probe/1"]);
    const page = await (await createDashboard({ store }).request("/jobs/j")).text();
    assert.match(page, /data-settings="j">--rate 5\/s --user-agent probe\/1</);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
