import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { testDb } from "../_db.ts";

const REQUEST = { url: "http://api.test/search?q={{q}}" };

async function* queries(list: Record<string, unknown>[]) {
  for (const [i, vars] of list.entries()) yield { vars, line: i + 1 };
}

function input(list: Record<string, unknown>[]) {
  return { file: "q.jsonl", format: "jsonl" as const, settings: {}, queries: queries(list) };
}

Deno.test("prepareJob() imports with a bigger page cache, then puts back the default", async () => {
  using db = await testDb();
  const { store } = db;
  const cacheSize = () => db.count("PRAGMA cache_size");
  await store.cacheSize(4096);
  assert.equal(await cacheSize(), -4096);
  await store.cacheSize(undefined);
  assert.equal(await cacheSize(), -2000);
  // Record the import transaction's cache settings, and which was in force while reading.
  const set: (number | undefined)[] = [];
  const transaction = store.transaction.bind(store);
  store.transaction = (fn) =>
    transaction((tx) => {
      const cache = tx.cacheSize.bind(tx);
      tx.cacheSize = (kib) => (set.push(kib), cache(kib));
      return fn(tx);
    });
  let duringRead: (number | undefined)[] = [];
  async function* watched() {
    yield* queries([{ q: "a" }, { q: "b" }]);
    duringRead = [...set];
  }
  const { imported } = await prepareJob(store, compileTemplate(REQUEST), {
    name: "j",
    input: { ...input([]), queries: watched() },
    request: REQUEST,
  });
  assert.equal(imported, 2);
  assert.deepEqual(duringRead, [16_384]);
  assert.deepEqual(set, [16_384, undefined]);
  assert.equal(await cacheSize(), -2000);
});

Deno.test("prepareJob() imports the same input twice without adding items", async () => {
  using db = await testDb();
  const { store } = db;
  const template = compileTemplate(REQUEST);
  const list = [{ id: "x", q: "1" }, { id: "y", q: "2" }, { id: "x", q: "again" }];
  const first = await prepareJob(store, template, {
    name: "j",
    input: input(list),
    inputId: "f:1",
    request: REQUEST,
  });
  assert.deepEqual([first.resumed, first.read, first.imported], [false, 3, 2]);
  // The same file again: resumed without reading it.
  const same = await prepareJob(store, template, {
    name: "j",
    input: input(list),
    inputId: "f:1",
    request: REQUEST,
  });
  assert.deepEqual([same.resumed, same.imported], [true, 0]);
  // Read again (a changed file appended): only new keys count.
  const appended = await prepareJob(store, template, {
    name: "j",
    input: input([...list, { id: "z", q: "3" }]),
    inputId: "f:2",
    request: REQUEST,
    append: true,
  });
  assert.deepEqual([appended.read, appended.imported], [4, 1]);
  assert.equal((await store.queue.counts(first.job.id)).total, 3);
  // The job keeps its settings, parsed.
  assert.deepEqual([appended.job.request, appended.job.options], [REQUEST, {}]);
});

Deno.test("prepareJob() leaves the database unchanged when a query lacks a template field", async () => {
  using db = await testDb();
  const { store } = db;
  const template = compileTemplate(REQUEST);
  const bad = input([{ q: "1" }, { q: "2" }, { other: 3 }]);
  await assert.rejects(
    prepareJob(store, template, { name: "j", input: bad, request: REQUEST, batchSize: 1 }),
    (error: InputError) => {
      assert.ok(error instanceof InputError);
      assert.equal(
        error.message,
        'q.jsonl:3 (field "q"): query has no field "q" used by the request template',
      );
      return true;
    },
  );
  assert.deepEqual(await store.jobs.list(), []);
  assert.equal(await db.count("SELECT count(*) FROM items"), 0);
});
