/**
 * A processor's time limit (issue 19, item 4): a processor that does not
 * settle fails its item (`process: timed out`) and the run goes on; a stop
 * does not wait for it past the grace period; `--processor-timeout` is a
 * setting saved with the job.
 */
import assert from "node:assert/strict";
import { processingConfig } from "../../cli/processing_config.ts";
import { InputError } from "../../lib/errors.ts";
import { prepareProcessing } from "../../lib/process/processing.ts";
import type { Processor } from "../../lib/process/processor.ts";
import { runJob, type RunJobOptions, type RunSummary } from "../../lib/run/run_job.ts";
import type { ItemUpdate } from "../../lib/store/store.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { type TestDb, testDb } from "../_db.ts";
import { FAST, setup } from "../run/_run_job_fixtures.ts";
import { outcome, response } from "../store/_fixtures.ts";

const json: typeof fetch = (_url, init) =>
  Promise.resolve(Response.json({ q: JSON.parse(String(init?.body ?? "{}")).q ?? null }));

/** A processor that never settles for the query `hang`, and writes a row for the others. */
function hanging(started?: () => void): Processor {
  return {
    tables: { seen: { columns: { key: "TEXT" }, key: ["key"] } },
    process(answer, query) {
      if (query.q === "hang") {
        started?.();
        return new Promise(() => {});
      }
      return { seen: [{ key: answer.key }] };
    },
  };
}

/** `promise`, or a failure if it has not settled after 20 s (a hung run fails the test, not hangs it). */
async function within<T>(promise: Promise<T>): Promise<T> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  return await Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      guard = setTimeout(() => reject(new Error("the run hung on the processor")), 20_000);
    }),
  ]).finally(() => clearTimeout(guard));
}

/**
 * Runs a job of `queries` (each answered with `{ q }`) with `options`, a
 * hung run failing the test, then `check`s its summary and database; the
 * store is closed after.
 */
async function runQueries(
  queries: string[],
  options: RunJobOptions,
  check: (summary: RunSummary, db: TestDb) => Promise<void>,
): Promise<void> {
  const { store, job, template, db } = await setup(queries);
  try {
    await check(
      await within(runJob(store, job, template, { ...FAST, fetch: json, ...options })),
      db,
    );
  } finally {
    store.close();
  }
}

/** The run's done and failed counts, and its failed items (query, error, class) by query. */
async function failures(summary: RunSummary, db: TestDb) {
  return {
    done: summary.counts.done,
    failed: summary.counts.failed,
    items: await db.rows(
      "SELECT json_extract(vars, '$.q') AS q, last_error, error_class FROM items " +
        "WHERE status = 'failed' ORDER BY q",
    ),
  };
}

Deno.test("Processing: a processor that does not settle within its time limit (on the injected clock) fails its answer", async () => {
  using db = await testDb();
  const clock = new FakeClock(0);
  const processing = await prepareProcessing(db.store.tables, "j", {
    processor: hanging(),
    processorTimeoutMs: 5_000,
    clock,
  });
  const update: ItemUpdate = { ...outcome(1), response: response(0, "{}") };
  const annotated = processing!.annotate(update, { key: "k", vars: { q: "hang" } });
  await clock.tick(4_999);
  const processed = (u: ItemUpdate) => u.processing;
  assert.equal(processed(update), undefined, "still waiting before the limit");
  await clock.tick(1);
  assert.equal(processed(update)?.error, "timed out");
  await annotated;
  // A processor that settles in time is not cut short.
  const fine: ItemUpdate = { ...outcome(2), response: response(1, "{}") };
  await processing!.annotate(fine, { key: "f", vars: { q: "x" } });
  assert.deepEqual(fine.processing?.rows, { seen: [{ key: "f" }] });
});

Deno.test("runJob(): a processor that never settles fails that item as `process: timed out`, and the run goes on", async () => {
  const options = { processor: hanging(), processorTimeoutMs: 50 };
  await runQueries(["a", "hang", "b"], options, async (summary, db) => {
    assert.deepEqual(await failures(summary, db), {
      done: 2,
      failed: 1,
      items: [{ q: "hang", last_error: "process: timed out", error_class: "process" }],
    });
    assert.equal(await db.count("SELECT count(*) FROM seen"), 2);
    // The answer is kept: `sluice process` can process it again without sending.
    assert.equal(await db.count("SELECT count(*) FROM responses WHERE status = 200"), 3);
  });
});

Deno.test("runJob(): a processor that throws what has no message to read (a null-prototype object, an error whose message getter throws) fails that item, and the run goes on", async () => {
  class Unreadable extends Error {
    override get message(): string {
      throw new Error("no message here");
    }
  }
  const processor: Processor = {
    tables: { seen: { columns: { key: "TEXT" }, key: ["key"] } },
    process(answer, query) {
      if (query.q === "bare") throw Object.create(null);
      if (query.q === "getter") throw new Unreadable();
      return { seen: [{ key: answer.key }] };
    },
  };
  await runQueries(["a", "bare", "getter"], { processor }, async (summary, db) => {
    assert.deepEqual(await failures(summary, db), {
      done: 1,
      failed: 2,
      items: [
        { q: "bare", last_error: "process: threw [object Object]", error_class: "process" },
        { q: "getter", last_error: "process: threw Unreadable", error_class: "process" },
      ],
    });
  });
});

Deno.test("runJob(): a stop does not wait past its grace period for a processor that hangs", async () => {
  const stop = new AbortController();
  const options = {
    processor: hanging(() => stop.abort()),
    graceMs: 20,
    // Far longer than the test: only the grace period can end the wait.
    processorTimeoutMs: 3_600_000,
    signal: stop.signal,
  };
  await runQueries(["hang"], options, async (summary, db) => {
    assert.equal(summary.stopped, true);
    assert.deepEqual(await db.rows("SELECT status, last_error, error_class FROM items"), [{
      status: "failed",
      last_error: "process: abandoned: the run stopped before it settled",
      error_class: "process",
    }]);
  });
});

Deno.test("runJob(): a time limit longer than a timer holds (--processor-timeout 30d) is a limit, not 1 ms", async () => {
  const processor: Processor = {
    tables: { seen: { columns: { key: "TEXT" }, key: ["key"] } },
    // Settles on a later turn of the event loop, as a processor that awaits anything does.
    process: (answer) =>
      new Promise((resolve) => setTimeout(() => resolve({ seen: [{ key: answer.key }] }), 5)),
  };
  const options = { processor, processorTimeoutMs: 30 * 86_400_000 };
  await runQueries(["a", "b"], options, async (summary, db) => {
    assert.deepEqual(await db.rows("SELECT last_error FROM items WHERE status = 'failed'"), []);
    assert.equal(summary.counts.done, 2);
  });
});

Deno.test("--processor-timeout: a duration over the job file's and the saved one, saved with the job", () => {
  const flag = processingConfig({ processorTimeout: "2s" }, { processorTimeout: "9s" }, {});
  assert.equal(flag.options.processorTimeoutMs, 2_000);
  assert.equal(flag.saved.processorTimeout, "2s");
  const resumed = processingConfig({}, {}, flag.saved);
  assert.equal(resumed.options.processorTimeoutMs, 2_000, "a resume keeps it");
  assert.equal(processingConfig({}, {}, {}).options.processorTimeoutMs, undefined, "the default");
  assert.equal(processingConfig({}, {}, {}).saved.processorTimeout, undefined, "not saved");
  for (const bad of ["soon", "0s"]) {
    assert.throws(
      () => processingConfig({ processorTimeout: bad }, {}, {}),
      (error: Error) => error instanceof InputError && /--processor-timeout/.test(error.message),
      bad,
    );
  }
});
