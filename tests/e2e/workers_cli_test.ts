/**
 * `sluice run --workers N`: the command starts N worker processes on one
 * database and job, shows one progress display, passes Ctrl-C on and exits
 * with the combined result.
 */
import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { MAIN, PERMISSIONS } from "../_sluice_process.ts";
import { readJob } from "./_workers.ts";

/** `sluice run <args>` as a process allowed to start its workers (--allow-run). */
function sluice(
  args: string[],
  cwd: string,
): { child: Deno.ChildProcess; output: Promise<string> } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, "--allow-run", MAIN, ...args],
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  const output = new Response(child.stderr).text();
  return { child, output };
}

async function withInput(
  items: number,
  body: (dir: string, url: string, server: ReturnType<typeof serveMockApi>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-workers-cli-" });
  const server = serveMockApi({ port: 0 });
  try {
    const lines = Array.from({ length: items }, (_, i) => JSON.stringify({ q: `query ${i}` }));
    await Deno.writeTextFile(`${dir}/q.jsonl`, lines.join("\n") + "\n");
    await body(dir, `http://127.0.0.1:${server.port}/search`, server);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sluice run --workers 4 runs four workers on one job: every item once, exit 0", async () => {
  await withInput(400, async (dir, url, server) => {
    const run = sluice(
      [
        "run",
        "q.jsonl",
        "--url",
        url,
        "--body",
        '{"q":"{{q}}"}',
        "--rate",
        "none",
        "--workers",
        "4",
      ],
      dir,
    );
    const [status, output] = await Promise.all([run.child.status, run.output]);
    assert.equal(status.code, 0, output);
    const job = await readJob(`file:${dir}/sluice.db`);
    assert.deepEqual(job.byStatus, { done: 400 });
    assert.equal(job.doubled, 0);
    assert.equal(server.api.stats.requests, 400);
    // Four workers reported, the first having imported the input, the others resuming it.
    for (const k of [1, 2, 3, 4]) assert.match(output, new RegExp(`^\\[worker ${k}\\] `, "m"));
    assert.match(output, /^\[worker 1\] sluice: job "q": 400 items imported/m);
    assert.equal(output.match(/resuming job "q"/g)?.length, 3);
  });
});

for (const [signal, what] of [["SIGINT", "Ctrl-C"], ["SIGHUP", "a closed terminal"]] as const) {
  Deno.test(`sluice run --workers: ${what} (${signal}) stops every worker (exit 130) and a rerun resumes`, async () => {
    await withInput(600, async (dir, url, server) => {
      const args = ["run", "q.jsonl", "--url", url, "--body", '{"q":"{{q}}"}', "--rate", "60/s"];
      const run = sluice([...args, "--workers", "3"], dir);
      const db = `file:${dir}/sluice.db`;
      // Once all three work on the job (a worker still starting up would die of the signal).
      let seen = { done: 0, workers: 0 };
      while (seen.done < 60 || seen.workers < 3) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        seen = await readJob(db).then(
          (j) => ({ done: j.byStatus.done ?? 0, workers: j.workers.length }),
          () => seen,
        );
      }
      run.child.kill(signal);
      const [status, output] = await Promise.all([run.child.status, run.output]);
      assert.equal(status.code, 130, output);
      assert.equal(output.match(/^\[worker \d\] sluice: stopped/gm)?.length, 3, output);
      const stopped = await readJob(db);
      assert.ok((stopped.byStatus.pending ?? 0) > 0);
      assert.equal(stopped.workers.length, 0, "every worker left the job");

      const again = sluice([...args, "--workers", "2"], dir);
      const [status2, output2] = await Promise.all([again.child.status, again.output]);
      assert.equal(status2.code, 0, output2);
      const job = await readJob(db);
      assert.deepEqual(job.byStatus, { done: 600 });
      assert.equal(job.doubled, 0);
      assert.equal(server.api.stats.byStatus["200"], 600);
    });
  });
}
