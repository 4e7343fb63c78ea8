/**
 * The benchmark's CI smoke run: `bench/run.ts --quick` as a subprocess. Checks
 * only that it exits 0 and prints every row of its table (a contender that is
 * not installed is a row marked unavailable); no timed assertions.
 */
import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";
import { ROWS } from "../../bench/_table.ts";

const RUN = fromFileUrl(new URL("../../bench/run.ts", import.meta.url));

Deno.test("deno task bench --quick exits 0 and prints every row of the table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-bench-smoke-" });
  try {
    const out = `${dir}/RESULTS.md`;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-net",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-ffi",
        "--allow-sys",
        "--allow-run",
        RUN,
        "--quick",
        "--out",
        out,
      ],
      stdin: "null",
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr).slice(-2000));
    assert.equal(await Deno.readTextFile(out), text);
    for (const { label } of ROWS) {
      const line = text.split("\n").find((l) => l.startsWith(`| ${label} |`));
      assert.ok(line, `row "${label}" missing`);
      // Seven cells: scenario, figure, contenders, ratio, target, met?, command.
      assert.equal(line.replaceAll("\\|", "").split("|").length - 2, 7, line);
    }
    // What limits throughput: CPU profiles of a sluice run beside the bare loop.
    assert.match(text, /## What limits throughput/);
    assert.match(text, /^\| bare Deno fetch loop \| [\d,]+ ms \|/m);
    assert.match(text, /^\| sluice run \| [\d,]+ ms \|/m);
    assert.match(text, /## Rate modes/);
    assert.match(text, /## Restart and crash safety/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
