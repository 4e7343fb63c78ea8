/**
 * The benchmark's CI smoke run: `bench/run.ts --quick` as a subprocess. Checks
 * only that it exits 0 and prints every row of its table (a contender that is
 * not installed is a row marked unavailable); no timed assertions.
 */
import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";
import { ROWS, SIDE_HEADER } from "../../bench/_table.ts";
import { CONTENDERS, SCENARIOS } from "../../bench/_side_by_side.ts";

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
    // Side by side: every contender in every scenario, with req/s, CPU µs per request,
    // peak RSS and its command (a contender not installed says unavailable).
    assert.ok(text.includes(SIDE_HEADER), "side-by-side table missing");
    const sideRows = SCENARIOS.flatMap((scenario) =>
      CONTENDERS.map((contender) => `| ${scenario.label} | ${contender.label}`)
    );
    sideRows.push("| Deno server, 0 ms, c64, 200 POSTs | sequential loop (Python http.client)");
    sideRows.push("| Deno server, 0 ms, c64, 200 POSTs | Crawlee BasicCrawler (Node)");
    for (const start of sideRows) {
      const line = text.split("\n").find((l) => l.startsWith(start));
      assert.ok(line, `side-by-side row "${start}" missing`);
      const cells = line.split(" | ");
      assert.equal(cells.length, 6, line);
      if (cells[2] !== "unavailable") {
        assert.match(cells[2]!, /^[\d,]+$/, `req/s of ${line}`);
        assert.match(cells[3]!, /^[\d,]+$/, `CPU µs per request of ${line}`);
        assert.match(cells[4]!, /^[\d,]+ MB$/, `peak RSS of ${line}`);
      }
      assert.match(cells[5]!, /^`.+` \|$/, `command of ${line}`);
    }
    // What limits throughput: CPU profiles of a sluice run beside the bare loop, per scenario.
    assert.match(text, /## What limits throughput/);
    for (const scenario of SCENARIOS) {
      for (const process of ["bare Deno fetch loop", "fetch + store", "sluice run"]) {
        const name = process.replace("+", "\\+");
        const row = new RegExp(`^\\| ${scenario.label} \\| ${name} \\| [\\d,]+ ms \\|`, "m");
        assert.match(text, row);
      }
    }
    assert.match(text, /## Rate modes/);
    assert.match(text, /## Restart and crash safety/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
