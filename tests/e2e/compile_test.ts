/**
 * `deno task compile` builds a binary that runs. Compiling needs a Deno
 * runtime (denort): from DENORT_BIN, or downloaded by `deno compile`. When
 * neither can be had the test is registered as ignored, with the reason in
 * its name and printed, never as a pass.
 */
import assert from "node:assert/strict";

const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
const task: string = config.tasks.compile;
const dir = await Deno.makeTempDir({ prefix: "sluice-compile-" });
const binary = `${dir}/sluice`;
// The task's own flags, with the output moved to a temporary directory.
const args = task.replace(/^deno /, "").replace(/--output \S+/, `--output ${binary}`).split(/\s+/);

const compiled = await new Deno.Command(Deno.execPath(), {
  args,
  cwd: new URL("../..", import.meta.url).pathname,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const stderr = new TextDecoder().decode(compiled.stderr);
const unavailable = !compiled.success &&
  /dl\.deno\.land|denort|dns error|failed to lookup|download/i.test(stderr);
const reason = unavailable
  ? `no Deno runtime to compile with (DENORT_BIN unset and the download failed: ${
    stderr.split("\n").map((l) => l.trim()).filter((l) => /dns|lookup|denort|download/i.test(l))
      .join("; ") || "unknown"
  })`
  : "";
if (unavailable) {
  // deno-lint-ignore no-console
  console.log(`compile_test skipped: ${reason}`);
  await Deno.remove(dir, { recursive: true });
}

Deno.test({
  name: unavailable
    ? `deno task compile builds a working binary (skipped: ${reason})`
    : "deno task compile builds a working binary",
  ignore: unavailable,
  async fn() {
    assert.ok(compiled.success, `deno compile failed:\n${stderr}`);
    const version = await new Deno.Command(binary, { args: ["--version"], stdout: "piped" })
      .output();
    assert.equal(version.code, 0);
    assert.equal(new TextDecoder().decode(version.stdout).trim(), config.version);
    const help = await new Deno.Command(binary, { args: ["run", "--help"], stdout: "piped" })
      .output();
    assert.match(new TextDecoder().decode(help.stdout), /--rate <rate>/);
    // The demo inside the binary: the embedded queries.example.json, the mock API
    // and libSQL's native addon, from a directory without the sources.
    const demo = await new Deno.Command(binary, {
      args: ["demo"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const demoErr = new TextDecoder().decode(demo.stderr);
    assert.equal(demo.code, 0, demoErr);
    assert.match(demoErr, /(\d+)\/\1 done, 0 failed/);
    await Deno.remove(dir, { recursive: true });
  },
});
