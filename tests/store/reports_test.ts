import assert from "node:assert/strict";
import type { FailureClass } from "../../lib/store/failure_class.ts";
import { dbWith, outcome, response } from "./_fixtures.ts";

/** A job whose items failed with these (status, error, class), plus one done. */
async function failedWith(failures: [number | null, string, FailureClass][]) {
  const db = await dbWith(failures.length + 1);
  const { store, jobId } = db;
  const claimed = await store.queue.claim(jobId, "A", failures.length + 1, 0, 1000);
  await store.results.write(
    "A",
    jobId,
    claimed.map((item, i) => {
      const failure = failures[i];
      if (!failure) return outcome(item.id, { response: response(item.seq, '{"ok":1}') });
      const [lastStatus, lastError, errorClass] = failure;
      return outcome(item.id, { status: "failed", lastStatus, lastError, errorClass });
    }),
    10 + failures.length,
  );
  return db;
}

Deno.test("ReportRepository.failureClasses() names the classes as sluice status prints them", async () => {
  using db = await failedWith([
    [500, "http 500 (after 5 attempts)", "http_5xx"],
    [503, "http 503 (throttled 51 times)", "http_5xx"],
    [404, "http 404", "http_4xx"],
    [429, "http 429 (throttled 51 times)", "throttled"],
    [null, "timeout (after 5 attempts)", "timeout"],
    [null, "network: ECONNREFUSED (after 5 attempts)", "network"],
    [200, "response body over 100 bytes (--max-body)", "body_too_large"],
    [null, "render: no field", "render"],
  ]);
  assert.deepEqual(await db.store.reports.failureClasses(db.jobId), {
    "5xx": 2,
    other: 2,
    "429": 1,
    "4xx": 1,
    network: 1,
    timeout: 1,
  });
  const reasons = await db.store.reports.failureReasons(db.jobId);
  assert.equal(reasons["http 404"], 1);
  assert.equal(Object.keys(reasons).length, 8);
});

Deno.test("ReportRepository.failedItems() filters by reason prefix or by class", async () => {
  using db = await failedWith([
    [null, "timeout (after 5 attempts)", "timeout"],
    [null, "timeout (after 2 attempts)", "timeout"],
    [404, "http 404", "http_4xx"],
  ]);
  const { store, jobId } = db;
  const byReason = await store.reports.failedItems(jobId, { reason: "timeout" });
  assert.deepEqual(byReason.map((i) => i.key).sort(), ["k0", "k1"]);
  const byClass = await store.reports.failedItems(jobId, { errorClass: "http_4xx" });
  assert.deepEqual(byClass.map((i) => [i.key, i.lastStatus, i.errorClass]), [
    ["k2", 404, "http_4xx"],
  ]);
  assert.equal((await store.reports.failedItems(jobId)).length, 3);
  assert.equal((await store.reports.failedItems(jobId, { limit: 1, offset: 1 })).length, 1);
});

Deno.test("ReportRepository reads JSON columns parsed: vars, headers", async () => {
  using db = await dbWith(1);
  const { store, jobId } = db;
  const [item] = await store.queue.claim(jobId, "A", 1, 0, 1000);
  const headers = '{"content-type":"application/json"}';
  await store.results.write("A", jobId, [
    outcome(item!.id, { response: { ...response(0, '{"results":[{"title":"T"}]}'), headers } }),
  ], 1);
  const detail = await store.reports.itemWithResponses(jobId, "k0");
  assert.deepEqual(detail?.vars, { q: "q0" });
  assert.deepEqual(detail?.responses.map((r) => [r.attempt, r.headers, r.errorClass]), [
    [1, { "content-type": "application/json" }, null],
  ]);
  assert.equal(await store.reports.itemWithResponses(jobId, "nope"), undefined);
  const [row] = await Array.fromAsync(store.reports.exportRows(jobId));
  assert.deepEqual([row?.vars, row?.state, row?.status], [{ q: "q0" }, "done", 200]);
  assert.deepEqual(await store.reports.answerValues("$.results[0].title", 3), [
    { key: "k0", value: "T" },
  ]);
});
