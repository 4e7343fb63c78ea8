import assert from "node:assert/strict";
import { StoreError } from "../../lib/errors.ts";
import { openStore } from "../../lib/store/store.ts";
import { testDb } from "../_db.ts";

Deno.test("Store.transaction() commits what fn wrote, or nothing when it throws", async () => {
  using db = await testDb();
  const { store } = db;
  await store.transaction(async (tx) => {
    await tx.jobs.create({ name: "kept", request: { url: "" }, options: {}, now: 0 });
  });
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.jobs.create({ name: "gone", request: { url: "" }, options: {}, now: 0 });
      // Nested: the same transaction.
      await tx.transaction((inner) => inner.jobs.update(1, { status: "x" }, 1));
      throw new Error("no");
    }),
    /no/,
  );
  assert.deepEqual((await store.jobs.list()).map((j) => [j.name, j.status]), [
    ["kept", "created"],
  ]);
  assert.equal(await db.count("SELECT count(*) FROM jobs"), 1);
});

Deno.test("JobRepository keeps the request and options as JSON, and hands them back parsed", async () => {
  using db = await testDb();
  const request = { url: "http://x.test/?q={{q}}", headers: { "X-A": "1" }, body: { q: "{{q}}" } };
  const job = await db.store.jobs.create({ name: "j", request, options: { rate: "5/s" }, now: 7 });
  assert.deepEqual([job.request, job.options, job.created], [request, { rate: "5/s" }, 7]);
  assert.deepEqual(await db.rows("SELECT request, options FROM jobs"), [
    { request: JSON.stringify(request), options: '{"rate":"5/s"}' },
  ]);
  await db.store.jobs.update(job.id, { options: { rate: "auto" }, imported: true }, 8);
  const updated = await db.store.jobs.find("j");
  assert.deepEqual([updated?.options, updated?.imported], [{ rate: "auto" }, true]);
});

Deno.test("openStore() reports a database it cannot open as a StoreError", async () => {
  await assert.rejects(
    openStore("file:/nonexistent-dir-for-sluice/x.db"),
    (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.match(
        error.message,
        /^(Cannot open database|Database) file:\/nonexistent-dir-for-sluice\/x\.db/,
      );
      return true;
    },
  );
});
