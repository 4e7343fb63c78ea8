/**
 * runJob()'s onResult: once per item that ends done or failed, after its
 * transaction has committed, with plain data.
 */
import assert from "node:assert/strict";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { compileTemplate, type RequestTemplate } from "../../lib/job/template.ts";
import type { ItemResult } from "../../lib/run/item_result.ts";
import { runJob, type RunJobOptions } from "../../lib/run/run_job.ts";
import { testDb } from "../_db.ts";

const FAST: RunJobOptions = {
  rate: { kind: "none" },
  concurrency: 2,
  retryBaseMs: 1,
  maxAttempts: 2,
};

async function setup(
  ids: string[],
  request: RequestTemplate = { url: "http://api.test/?q={{q}}" },
) {
  const db = await testDb();
  const template = compileTemplate(request);
  const queries = (async function* () {
    for (const [i, id] of ids.entries()) yield { vars: { id, q: id }, line: i + 1 };
  })();
  const input = { file: "t.jsonl", format: "jsonl" as const, settings: {}, queries };
  const { job } = await prepareJob(db.store, template, { name: "t", input, request });
  return { db, job, template };
}

/** A fetch answering each query by `status[q]` (200 by default). */
function answering(status: Record<string, number> = {}): typeof fetch {
  return (input) => {
    const q = new URL(String(input)).searchParams.get("q")!;
    const code = status[q] ?? 200;
    return Promise.resolve(
      Response.json({ q }, { status: code, headers: { "x-ratelimit-remaining": "9" } }),
    );
  };
}

Deno.test("runJob() calls onResult once per finished item, after its commit, with plain data", async () => {
  const { db, job, template } = await setup(["a", "b", "c"]);
  using _ = db;
  const results: ItemResult[] = [];
  const committed: string[] = [];
  const summary = await runJob(db.store, job, template, {
    ...FAST,
    fetch: answering({ b: 404, c: 503 }),
    onResult: async (result) => {
      results.push(result);
      // Already in the database when told.
      const rows = await db.rows({
        sql: "SELECT status FROM items WHERE key = ?",
        args: [result.key],
      });
      committed.push(`${result.key}:${rows[0]!.status}`);
    },
  });
  assert.equal(summary.counts.done, 1);
  assert.deepEqual(committed.sort(), ["a:done", "b:failed", "c:failed"]);
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  assert.deepEqual(byKey.a, {
    key: "a",
    seq: 0,
    page: 1,
    vars: { id: "a", q: "a" },
    state: "done",
    status: 200,
    body: '{"q":"a"}',
    url: "http://api.test/?q=a",
    headers: { "content-type": "application/json", "x-ratelimit-remaining": "9" },
    errorClass: null,
    error: null,
    attempts: 1,
  });
  assert.deepEqual(
    [byKey.b!.state, byKey.b!.status, byKey.b!.errorClass, byKey.b!.error, byKey.b!.attempts],
    ["failed", 404, "http_4xx", "http 404", 1],
  );
  // Retried once (not reported), then failed.
  assert.deepEqual(
    [byKey.c!.state, byKey.c!.errorClass, byKey.c!.error, byKey.c!.attempts],
    ["failed", "http_5xx", "http 503 (after 2 attempts)", 2],
  );
  assert.equal(results.length, 3);
});

Deno.test("runJob() reports an item that cannot be rendered through onResult", async () => {
  const { db, job, template } = await setup(["a"], {
    url: "http://api.test/?q={{q}}&k={{env.SLUICE_NOT_SET}}",
  });
  using _ = db;
  const results: ItemResult[] = [];
  await runJob(db.store, job, template, {
    ...FAST,
    env: () => undefined,
    fetch: answering(),
    onResult: (result) => void results.push(result),
  });
  assert.deepEqual(results.map((r) => [r.key, r.state, r.status, r.body, r.errorClass]), [
    ["a", "failed", null, null, "render"],
  ]);
});

Deno.test("runJob() does not report an item whose lease was lost before its answer", async () => {
  const { db, job, template } = await setup(["a", "b"]);
  using _ = db;
  const results: string[] = [];
  let stolen = false;
  const steal: typeof fetch = async (input) => {
    if (!stolen && new URL(String(input)).searchParams.get("q") === "a") {
      stolen = true;
      // Another worker decided this one was dead and took its items back.
      await db.store.leases.recover(job.id, Number.MAX_SAFE_INTEGER, []);
    }
    return await answering()(input);
  };
  await runJob(db.store, job, template, {
    ...FAST,
    concurrency: 1,
    fetch: steal,
    onResult: (result) => void results.push(result.key),
  });
  // "a" came back and was sent again: reported once, by the attempt that committed.
  assert.deepEqual(results.sort(), ["a", "b"]);
  const a = await db.store.reports.itemWithResponses(job.id, "a");
  assert.deepEqual([a?.status, a?.possiblySent, a?.responses.length], ["done", 1, 1]);
});

Deno.test("runJob() rejects with onResult's error and starts nothing more", async () => {
  const { db, job, template } = await setup(["a", "b", "c", "d"]);
  using _ = db;
  const seen: string[] = [];
  await assert.rejects(
    runJob(db.store, job, template, {
      ...FAST,
      concurrency: 1,
      fetch: answering(),
      onResult: (result) => {
        seen.push(result.key);
        throw new Error(`cannot keep ${result.key}`);
      },
    }),
    /cannot keep a/,
  );
  assert.equal(seen.length, 1);
  // What was committed stays; the rest goes back to the queue.
  const counts = await db.store.queue.counts(job.id);
  assert.deepEqual([counts.done, counts.inflight, counts.pending], [1, 0, 3]);
});
