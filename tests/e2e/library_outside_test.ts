import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mod.ts";

const MOD = new URL("../../lib/mod.ts", import.meta.url).pathname;

/**
 * Runs `my_job.ts` in `dir` with plain `deno run` and returns the JSON of
 * its last line of output. No --config: the user's folder has no deno.json,
 * so sluice's import map does not apply.
 */
async function runScript(dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "my_job.ts",
      ...args,
    ],
    cwd: dir,
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

Deno.test("a script outside the repository imports lib/mod.ts by path and runs a job with plain deno run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_outside_" });
  const mock = serveMockApi();
  try {
    await Deno.writeTextFile(
      `${dir}/my_job.ts`,
      `import { run } from ${JSON.stringify(MOD)};
const titles: string[] = [];
const summary = await run({
  queries: [{ id: 1, q: "deno" }, { id: 2, q: "libsql" }, { id: 3, q: "hono" }],
  request: { url: "http://127.0.0.1:${mock.port}/search", body: '{"q":"{{q}}"}' },
  db: "file:answers.db",
  rate: "none",
  onResult: (r) => void titles.push(JSON.parse(r.body!).results[0].title),
});
console.log(JSON.stringify({ done: summary.counts.done, titles: titles.length }));
`,
    );
    const result = await runScript(dir);
    assert.deepEqual(result, { done: 3, titles: 3 });
    assert.equal(mock.api.stats.requests, 3);
    await Deno.stat(`${dir}/answers.db`); // created in the user's folder
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a script outside the repository running run({ input }) again resumes its job", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_outside_" });
  const mock = serveMockApi({ record: true });
  try {
    const queries = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: i, q: `q${i}` }));
    await Deno.writeTextFile(`${dir}/q.jsonl`, queries.join("\n") + "\n");
    // Stops itself after STOP_AFTER answers (none: runs to the end); prints its summary.
    await Deno.writeTextFile(
      `${dir}/my_job.ts`,
      `import { run } from ${JSON.stringify(MOD)};
const stopAfter = Number(Deno.args[0] ?? Infinity);
const stop = new AbortController();
let answers = 0;
const summary = await run({
  input: "q.jsonl",
  request: { url: "http://127.0.0.1:${mock.port}/search", body: '{"q":"{{q}}"}' },
  db: "file:answers.db",
  rate: "none",
  concurrency: 1,
  signal: stop.signal,
  onResult: () => {
    if (++answers >= stopAfter) stop.abort();
  },
});
console.log(JSON.stringify({ job: summary.job.name, ...summary.counts, stopped: summary.stopped }));
`,
    );
    const first = await runScript(dir, "2");
    assert.equal(first.job, "q");
    assert.equal(first.stopped, true);
    assert.ok(first.done >= 2 && first.done < 6, JSON.stringify(first));
    const second = await runScript(dir);
    assert.deepEqual(
      { job: second.job, done: second.done, total: second.total, stopped: second.stopped },
      { job: "q", done: 6, total: 6, stopped: false },
    );
    // Every query was sent once: the second run sent only what the first had not.
    assert.equal(mock.api.stats.requests, 6);
    for (const [key, n] of mock.api.keys) assert.equal(n, 1, `${key} sent ${n} times`);
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
