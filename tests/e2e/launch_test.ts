/**
 * sluice as a new user starts it, from their own folder: the command
 * `deno task install` installs, `deno task sluice` from elsewhere (paths
 * are the user's, not the clone's), and the hints each prints name that
 * same command. Also the demo on a fresh Deno cache: no warning about
 * npm build scripts, and no temporary folder left behind.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { CLONE_DIR } from "../../cli/launcher.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { VERSION } from "../../lib/version.ts";
import { writeQueries } from "../_sluice_process.ts";

const decoder = new TextDecoder();

/** Runs a program to the end; `PATH` leads with the folder of the Deno running the tests. */
async function exec(
  program: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`;
  const out = await new Deno.Command(program, {
    args,
    cwd: options.cwd,
    // A clean environment, as a user's shell gives: under `npx deno task test`, npm's
    // INIT_CWD and npm_command would otherwise tell sluice where and how it was run.
    clearEnv: true,
    env: {
      ...Object.fromEntries(
        Object.entries(Deno.env.toObject()).filter(([name]) => !/^(npm_|INIT_CWD$)/i.test(name)),
      ),
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      PATH: path,
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function withFolders(
  fn: (ctx: { root: string; home: string; url: string; requests: () => number }) => Promise<void>,
) {
  const root = await Deno.makeTempDir({ prefix: "sluice_install_root_" });
  const home = await Deno.makeTempDir({ prefix: "sluice_user_folder_" });
  const mock = serveMockApi({ port: 0, record: true });
  try {
    await writeQueries(`${home}/q.jsonl`, 5);
    await fn({
      root,
      home,
      url: `http://127.0.0.1:${mock.port}/search`,
      requests: () => mock.api.stats.requests,
    });
  } finally {
    await mock.shutdown();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("deno task install --root R gives a sluice command that runs --help and a job from another folder", async () => {
  await withFolders(async ({ root, home, url, requests }) => {
    const installed = await exec(Deno.execPath(), ["task", "install", "--root", root], {
      cwd: CLONE_DIR,
    });
    assert.equal(installed.code, 0, installed.stderr);
    const sluice = `${root}/bin/sluice`;

    const help = await exec(sluice, ["--help"], { cwd: home });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: sluice \[options\] \[command\]/);

    const run = await exec(
      sluice,
      ["run", "q.jsonl", "--url", url, "--body", '{"q":"{{q}}"}', "--rate", "none"],
      { cwd: home },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requests(), 5);
    assert.ok(await exists(`${home}/sluice.db`), "the database is in the user's folder");

    const status = await exec(sluice, ["status"], { cwd: home });
    assert.match(status.stdout, /^q: 5\/5 done/m);
    // Hints name the command the user has.
    const retry = await exec(sluice, ["retry", "--status", "5xx"], { cwd: home });
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(
      retry.stderr,
      /run it again to send them: sluice run --db file:sluice\.db --job q$/m,
    );
  });
});

Deno.test("the installed sluice runs with PATH=/usr/bin:/bin: it names the Deno that installed it", async () => {
  await withFolders(async ({ root, home }) => {
    const installed = await exec(Deno.execPath(), ["task", "install", "--root", root], {
      cwd: CLONE_DIR,
    });
    assert.equal(installed.code, 0, installed.stderr);
    const bare = { cwd: home, env: { PATH: "/usr/bin:/bin" } };
    const deno = await exec("/bin/sh", ["-c", "command -v deno || echo none"], bare);
    assert.equal(deno.stdout.trim(), "none", "no deno on that PATH, as after npx");

    const version = await exec(`${root}/bin/sluice`, ["--version"], bare);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const help = await exec(`${root}/bin/sluice`, ["--help"], bare);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: sluice \[options\] \[command\]/);
  });
});

Deno.test("deno task install --help prints its usage and installs nothing", async () => {
  const installed = await exec(Deno.execPath(), ["task", "install", "--help"], { cwd: CLONE_DIR });
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, /^usage: deno task install \[--root DIR\]$/m);
  assert.match(installed.stdout, /--root DIR {3}install into DIR\/bin/);
  assert.doesNotMatch(installed.stderr, /error/);
});

Deno.test("deno task sluice from another folder reads and writes paths there, and its hints say how to run it again", async () => {
  await withFolders(async ({ home, url, requests }) => {
    const task = ["task", "--config", `${CLONE_DIR}/deno.json`, "sluice"];
    const run = await exec(
      Deno.execPath(),
      [...task, "run", "q.jsonl", "--job", "my job", "--url", url, "--body", '{"q":"{{q}}"}'],
      { cwd: home },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(requests(), 5);
    assert.ok(await exists(`${home}/sluice.db`), "the database is in the user's folder");

    const missing = await exec(Deno.execPath(), [...task, "run", "nope.jsonl", "--url", url], {
      cwd: home,
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`\\(looked for ${home}/nope\\.jsonl\\)$`, "m"));

    const retry = await exec(Deno.execPath(), [...task, "retry", "--job", "my job"], {
      cwd: home,
    });
    const hint = /run it again to send them: (.*)$/m.exec(retry.stderr)?.[1];
    assert.equal(
      hint,
      `deno task --config ${CLONE_DIR}/deno.json sluice run --db file:sluice.db --job 'my job'`,
    );
    // The hint runs as printed, from the user's folder.
    const again = await exec("sh", ["-c", hint!], { cwd: home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming job "my job"/);
  });
});

Deno.test("deno task demo on a fresh Deno cache warns of no npm build scripts and leaves no temporary folder", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "sluice_fresh_deno_dir_" });
  const tmp = await Deno.makeTempDir({ prefix: "sluice_demo_tmp_" });
  try {
    const demo = await exec(Deno.execPath(), ["task", "demo"], {
      cwd: CLONE_DIR,
      env: { DENO_DIR: denoDir, TMPDIR: tmp },
    });
    assert.equal(demo.code, 0, demo.stderr);
    assert.doesNotMatch(demo.stderr, /Ignored build scripts/);
    assert.match(demo.stdout, /^To keep the answers: deno task sluice demo --db demo\.db$/m);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(tmp)), []);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});
