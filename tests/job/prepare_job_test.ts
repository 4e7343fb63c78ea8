import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { parseExactJson } from "../../lib/job/exact_json.ts";
import { BadRows } from "../../lib/job/bad_rows.ts";
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
  const bad = input([{ q: "1" }, { q: "2" }, { other: 3 }, { q: "4" }, {}]);
  await assert.rejects(
    prepareJob(store, template, { name: "j", input: bad, request: REQUEST, batchSize: 1 }),
    (error: InputError) => {
      assert.ok(error instanceof InputError);
      // Every query is read: the first is named, all are counted.
      assert.equal(
        error.message,
        'q.jsonl:3 (field "q"): query has no field "q" used by the request template; ' +
          "2 queries lack a template field (lines 3, 5); " +
          "fix the input, or pass --skip-bad-rows to skip such queries",
      );
      return true;
    },
  );
  assert.deepEqual(await store.jobs.list(), []);
  assert.equal(await db.count("SELECT count(*) FROM items"), 0);
});

Deno.test("prepareJob() reports duplicate keys whose queries differ, with their lines", async () => {
  using db = await testDb();
  const { store } = db;
  const template = compileTemplate(REQUEST);
  const list = [
    { id: "x", q: "1" },
    { id: "y", q: "2" },
    { id: "x", q: "1" }, // the same query again: skipped, not worth a warning
    { id: "x", q: "other" }, // line 4: differs from line 1
    { id: "z", q: "3" },
    { id: "y", q: "changed" }, // line 6: differs from line 2
  ];
  const first = await prepareJob(store, template, {
    name: "j",
    input: input(list),
    inputId: "f:1",
    request: REQUEST,
    batchSize: 2,
  });
  assert.deepEqual([first.read, first.imported], [6, 3]);
  assert.deepEqual(first.duplicates, {
    skipped: 3,
    differing: 2,
    first: [{ key: "x", line: 4, firstLine: 1 }, { key: "y", line: 6, firstLine: 2 }],
  });
  // Appended: the kept query came from the earlier import, its line is not known.
  const appended = await prepareJob(store, template, {
    name: "j",
    input: input([{ id: "w", q: "4" }, { id: "z", q: "new" }]),
    inputId: "f:2",
    request: REQUEST,
    append: true,
  });
  assert.deepEqual(appended.duplicates, {
    skipped: 1,
    differing: 1,
    first: [{ key: "z", line: 2, firstLine: undefined }],
  });
});

Deno.test("prepareJob() keeps ids beyond 2^53 apart, as keys and as stored variables", async () => {
  using db = await testDb();
  const { store } = db;
  const list = ['{"id":12345678901234567890,"q":"a"}', '{"id":12345678901234567891,"q":"b"}']
    .map((line) => parseExactJson(line) as Record<string, unknown>);
  const prepared = await prepareJob(store, compileTemplate(REQUEST), {
    name: "j",
    input: input(list),
    request: REQUEST,
  });
  assert.deepEqual([prepared.imported, prepared.duplicates.skipped], [2, 0]);
  const kept = await store.queue.keptItems(prepared.job.id, [
    "12345678901234567890",
    "12345678901234567891",
  ]);
  assert.deepEqual(kept.map((item) => item.vars).sort(), [
    '{"id":12345678901234567890,"q":"a"}',
    '{"id":12345678901234567891,"q":"b"}',
  ]);
});

Deno.test("prepareJob() keeps the rows an input skipped with the job, and skips what it cannot import", async () => {
  using db = await testDb();
  const { store } = db;
  const badRows = new BadRows();
  badRows.add({ line: 2, reason: "Cannot read row" }); // as a reader skips them
  const list = [{ q: "a" }, { q: "b" }, { other: 1 }, { q: "d", n: JSON.parse("1e400") }, {
    q: "",
  }];
  const prepared = await prepareJob(store, compileTemplate(REQUEST), {
    name: "j",
    input: { ...input(list), badRows },
    request: REQUEST,
    batchSize: 1,
  });
  assert.equal(prepared.imported, 3);
  assert.equal(prepared.badRows.count, 3);
  assert.deepEqual(prepared.checks.empty, {
    count: 1,
    fields: ["q"],
    first: [{ line: 5, field: "q" }],
  });
  const job = await store.jobs.find("j");
  assert.deepEqual(await store.skippedRows.list(job!.id, 10), [
    { file: "q.jsonl", line: 2, reason: "Cannot read row" },
    { file: "q.jsonl", line: 3, reason: 'query has no field "q" used by the request template' },
    {
      file: "q.jsonl",
      line: 4,
      reason: 'field "n": Cannot store a number beyond ±1.8e308 as JSON: current value is ' +
        "'Infinity' (it would be sent as null)",
    },
  ]);
});
