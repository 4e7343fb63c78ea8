import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import type { InputSource } from "../../lib/job/input.ts";
import { assembleRun, type AssembleRunOptions } from "../../lib/run/assemble_run.ts";
import { openStore, type Store } from "../../lib/store/store.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { drive } from "./_run_job_fixtures.ts";

function source(n: number): InputSource {
  async function* queries() {
    for (let i = 0; i < n; i++) yield { vars: { q: `q${i}` }, line: i + 1 };
  }
  return { file: "q.jsonl", format: "jsonl", settings: {}, queries: queries() };
}

const answer: typeof fetch = () => Promise.resolve(new Response('{"ok":true}'));

function options(store: Store, more: Partial<AssembleRunOptions> = {}): AssembleRunOptions {
  return {
    db: store,
    request: () => ({ url: "http://api.test/search?q={{q}}" }),
    settings: [{ from: "options", values: { rate: { kind: "none" } } }],
    fetch: answer,
    ...more,
  };
}

Deno.test("assembleRun() prepares the job's processing once: checked before the import, not again by the run", async () => {
  const store = await openStore(":memory:");
  const check = store.tables.check.bind(store.tables);
  let checks = 0;
  store.tables.check = (...args) => {
    checks++;
    return check(...args);
  };
  const { summary } = await assembleRun(options(store, {
    source: source(2),
    settings: [{
      from: "options",
      values: {
        rate: { kind: "none" },
        schema: "CREATE TABLE IF NOT EXISTS seen (q TEXT)",
        into: "INSERT INTO seen SELECT json_extract(:vars, '$.q')",
      },
    }],
  }));
  assert.equal(summary.counts.done, 2);
  assert.equal(checks, 1);
  store.close();
});

Deno.test("assembleRun() keeps a job's request on resume unless replaceRequest, which it records", async () => {
  const store = await openStore(":memory:");
  await assembleRun(options(store, { source: source(1) }));
  const other = () => ({ url: "http://api.test/other?q={{q}}" });
  await assert.rejects(
    assembleRun(options(store, { job: "q", request: other })),
    (error: Error) => error instanceof InputError && /another request/.test(error.message),
  );
  await assembleRun(options(store, { job: "q", request: other, replaceRequest: true }));
  const job = (await store.jobs.find("q"))!;
  assert.equal(job.request.url, "http://api.test/other?q={{q}}");
  assert.equal((job.options.requestReplaced as unknown[]).length, 1);
  store.close();
});

Deno.test("assembleRun() refuses an unset {{env.NAME}} before anything is imported", async () => {
  const store = await openStore(":memory:");
  await assert.rejects(
    assembleRun(options(store, {
      source: source(1),
      request: () => ({ url: "http://api.test/?key={{env.SLUICE_TEST_UNSET}}" }),
      env: () => undefined,
    })),
    /environment variable SLUICE_TEST_UNSET is not set/,
  );
  assert.deepEqual(await store.jobs.list(), []);
  store.close();
});

Deno.test("assembleRun() needs an input or a job's name", async () => {
  const store = await openStore(":memory:");
  await assert.rejects(assembleRun(options(store)), /No input given: pass an input file, or --job/);
  await assert.rejects(
    assembleRun(options(store, { job: "nope" })),
    /No input given and no job named "nope"/,
  );
  store.close();
});

Deno.test("assembleRun() times the job's processor on the run's clock", async () => {
  const store = await openStore(":memory:");
  const clock = new FakeClock(1_000_000);
  const { summary } = await drive(
    clock,
    assembleRun(options(store, {
      source: source(1),
      clock,
      settings: [{
        from: "options",
        values: {
          rate: { kind: "none" },
          processorTimeoutMs: 60_000,
          processor: {
            tables: { seen: { columns: { q: "TEXT" } } },
            process: () => new Promise(() => {}),
          },
        },
      }],
    })),
  );
  assert.equal(summary.counts.failed, 1);
  // Timed out at the clock's minute; a real minute's wait would have let the heartbeats drive it far on.
  assert.ok(clock.now() - 1_000_000 < 120_000, `${clock.now() - 1_000_000} ms`);
  store.close();
});
