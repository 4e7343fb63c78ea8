import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { ResultWriter } from "../../lib/run/result_writer.ts";
import {
  type ItemUpdate,
  openStore,
  type RequeueFilter,
  type Store,
} from "../../lib/store/store.ts";
import { compileTemplate } from "../../lib/job/template.ts";

const REQUEST = { url: "http://api.test/search?q={{q}}" };

async function* queries(list: Record<string, unknown>[]) {
  for (const [i, vars] of list.entries()) yield { vars, line: i + 1 };
}

function input(list: Record<string, unknown>[]) {
  return { file: "q.jsonl", format: "jsonl" as const, settings: {}, queries: queries(list) };
}

/** A store with one job of `n` items keyed k0, k1, …; everything ready at time 0. */
async function storeWith(n: number) {
  const store = await openStore(":memory:");
  const job = await store.createJob({ name: "j", request: "{}", options: "{}", now: 0 });
  const rows = Array.from(
    { length: n },
    (_, i): [number, string, string] => [i, `k${i}`, JSON.stringify({ q: `q${i}` })],
  );
  if (n > 0) await store.importItems(job.id, rows, 0);
  return { store, job };
}

async function items(store: Store) {
  const rs = await store.client.execute(
    `SELECT key, status, attempts, throttled, next_at, lease_owner, possibly_sent, last_status,
            last_error FROM items ORDER BY seq`,
  );
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c, r[i]])));
}

async function count(store: Store, sql: string): Promise<number> {
  return Number((await store.client.execute(sql)).rows[0]![0]);
}

function outcome(id: number, fields: Partial<ItemUpdate> = {}): ItemUpdate {
  return {
    id,
    status: "done",
    attempts: 1,
    throttled: 0,
    nextAt: 0,
    lastStatus: 200,
    lastError: null,
    possiblySent: 0,
    sent: 1,
    ...fields,
  };
}

function response(seq: number, body: string, status = 200) {
  return { seq, status, durationMs: 1, headers: null, body, url: null, error: null, at: 1 };
}

Deno.test("Store.importItems() adds nothing when the same rows come twice", async () => {
  const { store, job } = await storeWith(0);
  const rows: [number, string, string][] = [[0, "a", "{}"], [1, "b", "{}"], [2, "a", "{}"]];
  assert.equal(await store.importItems(job.id, rows, 0), 2);
  assert.equal(await store.importItems(job.id, rows, 0), 0);
  assert.equal((await store.counts(job.id)).total, 2);
  store.close();
});

Deno.test("prepareJob() imports with a bigger page cache, then puts back the default", async () => {
  const store = await openStore(":memory:");
  const cacheSize = () => count(store, "PRAGMA cache_size");
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
  store.close();
});

Deno.test("prepareJob() imports the same input twice without adding items", async () => {
  const store = await openStore(":memory:");
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
  assert.equal((await store.counts(first.job.id)).total, 3);
  store.close();
});

Deno.test("prepareJob() leaves the database unchanged when a query lacks a template field", async () => {
  const store = await openStore(":memory:");
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
  assert.deepEqual(await store.listJobs(), []);
  assert.equal(await count(store, "SELECT count(*) FROM items"), 0);
  store.close();
});

Deno.test("Store.claim() leases each ready item to one owner only", async () => {
  const { store, job } = await storeWith(5);
  await store.client.execute("UPDATE items SET next_at = 500 WHERE key = 'k4'");
  const a = await store.claim(job.id, "A", 2, 100, 1100);
  const b = await store.claim(job.id, "B", 10, 100, 1100);
  assert.deepEqual(a.map((i) => i.key), ["k0", "k1"]);
  assert.deepEqual(b.map((i) => i.key).sort(), ["k2", "k3"]);
  assert.deepEqual(a[0], {
    id: a[0]!.id,
    seq: 0,
    key: "k0",
    vars: '{"q":"q0"}',
    attempts: 0,
    throttled: 0,
  });
  // k4 is not due until 500.
  assert.deepEqual(await store.claim(job.id, "C", 10, 100, 1100), []);
  assert.deepEqual((await store.claim(job.id, "C", 10, 500, 1500)).map((i) => i.key), ["k4"]);
  const rows = await items(store);
  assert.deepEqual(rows.map((r) => [r.status, r.lease_owner]), [
    ["inflight", "A"],
    ["inflight", "A"],
    ["inflight", "B"],
    ["inflight", "B"],
    ["inflight", "C"],
  ]);
  assert.deepEqual(await store.readiness(job.id), { pending: 0, inflight: 5, nextAt: undefined });
  store.close();
});

Deno.test("Store.writeResults() ignores items not leased to the writer", async () => {
  const { store, job } = await storeWith(2);
  const [mine, theirs] = [
    (await store.claim(job.id, "A", 1, 0, 1000))[0]!,
    (await store.claim(job.id, "B", 1, 0, 1000))[0]!,
  ];
  const applied = await store.writeResults("A", job.id, [
    outcome(mine.id, { response: response(mine.seq, "ok") }),
    outcome(theirs.id, { response: response(theirs.seq, "stolen") }),
  ], 5);
  assert.equal(applied, 1);
  const rows = await items(store);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.lease_owner]), [
    ["k0", "done", null],
    ["k1", "inflight", "B"],
  ]);
  assert.equal(await count(store, "SELECT count(*) FROM responses"), 1);
  // Written once: a second write by the same owner is stale and ignored.
  assert.equal(await store.writeResults("A", job.id, [outcome(mine.id)], 6), 0);
  assert.equal(await count(store, "SELECT count(*) FROM responses"), 1);
  store.close();
});

Deno.test("Store.recoverLeases() returns expired and dead owners' items, possibly sent", async () => {
  const { store, job } = await storeWith(3);
  const [expired] = await store.claim(job.id, "expired", 1, 0, 100);
  await store.claim(job.id, "alive", 1, 0, 10_000);
  await store.claim(job.id, "dead", 1, 0, 10_000);
  assert.equal(await store.recoverLeases(job.id, 500, ["dead"]), 2);
  const rows = await items(store);
  assert.deepEqual(rows.map((r) => [r.key, r.status, r.lease_owner, r.possibly_sent]), [
    ["k0", "pending", null, 1],
    ["k1", "inflight", "alive", 0],
    ["k2", "pending", null, 1],
  ]);
  const counts = await store.counts(job.id);
  assert.deepEqual([counts.pending, counts.inflight, counts.possiblySent], [2, 1, 2]);
  // The expired owner's late answer no longer lands.
  const late = await store.writeResults("expired", job.id, [outcome(expired!.id)], 600);
  assert.equal(late, 0);
  store.close();
});

Deno.test("Store.requeueFailed() puts back only the failures its filter names", async () => {
  const failures: [string, number | null, string][] = [
    ["s500", 500, "http 500 (after 5 attempts)"],
    ["s503", 503, "http 503 (throttled 51 times)"],
    ["s404", 404, "http 404"],
    ["s429", 429, "http 429 (throttled 51 times)"],
    ["timeout", null, "timeout (after 5 attempts)"],
    ["network", null, "network: ECONNREFUSED (after 5 attempts)"],
    ["big", 200, "response body over 100 bytes (--max-body)"],
  ];
  const expected: Record<RequeueFilter, string[]> = {
    failed: failures.map((f) => f[0]),
    "5xx": ["s500", "s503"],
    "4xx": ["s404"],
    "429": ["s429"],
    timeout: ["timeout"],
    network: ["network"],
  };
  for (const [filter, keys] of Object.entries(expected)) {
    const { store, job } = await storeWith(failures.length + 1);
    const claimed = await store.claim(job.id, "A", failures.length, 0, 1000);
    await store.writeResults(
      "A",
      job.id,
      claimed.map((item, i) =>
        outcome(item.id, {
          status: "failed",
          attempts: 5,
          throttled: 2,
          lastStatus: failures[i]![1],
          lastError: failures[i]![2],
        })
      ),
      1,
    );
    const n = await store.requeueFailed(job.id, filter as RequeueFilter, 2);
    assert.equal(n, keys.length, filter);
    const back = (await items(store)).filter((r, i) =>
      i < failures.length && r.status === "pending"
    );
    const names = back.map((r) => failures[Number(String(r.key).slice(1))]![0]);
    assert.deepEqual(names, keys, filter);
    for (const r of back) assert.deepEqual([r.attempts, r.throttled, r.next_at], [0, 0, 0]);
    // The item that never failed is untouched.
    assert.equal((await items(store)).at(-1)!.status, "pending");
    store.close();
  }
});

Deno.test("ResultWriter lands every row exactly once under concurrent adds and flushes", async () => {
  const n = 600;
  const { store, job } = await storeWith(n);
  const claimed = await store.claim(job.id, "W", n, 0, 60_000);
  assert.equal(claimed.length, n);
  let flushes = 0;
  const writer = new ResultWriter(store, "W", job.id, {
    batchSize: 37,
    flushMs: 1,
    onFlush: () => flushes++,
  });
  const randomPause = () => {
    const r = Math.random();
    if (r < 0.3) return Promise.resolve();
    if (r < 0.6) return new Promise<void>((resolve) => queueMicrotask(resolve));
    return new Promise<void>((resolve) => setTimeout(resolve, Math.floor(r * 3)));
  };
  await Promise.all(claimed.map(async (item, i) => {
    await randomPause();
    // As the runner does: the body is awaited *before* the update is handed over.
    const body = await new Response(`body-${item.key}`).text();
    await randomPause();
    writer.add(outcome(item.id, { response: response(item.seq, body) }));
    if (i % 17 === 0) await writer.flush();
  }));
  await writer.close();
  assert.ok(flushes > 1, `flushed ${flushes} times`);
  assert.equal(writer.written, n);
  assert.equal(writer.buffered, 0);
  assert.equal(await count(store, "SELECT count(*) FROM responses"), n);
  assert.equal(await count(store, "SELECT count(DISTINCT item) FROM responses"), n);
  assert.equal(
    await count(
      store,
      "SELECT count(*) FROM responses r JOIN items i ON i.id = r.item WHERE r.body = 'body-' || i.key",
    ),
    n,
  );
  assert.deepEqual((await store.counts(job.id)).done, n);
  store.close();
});
