import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import type { Processor, ProcessorRows } from "../../lib/process/processor.ts";
import type { ItemResult } from "../../lib/run/item_result.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { FAST, setup } from "../run/_run_job_fixtures.ts";

/** Answers each POST of `{ q }` with three results titled after it. */
const searchApi: typeof fetch = (_url, init) => {
  const { q } = JSON.parse(String(init?.body));
  const results = [1, 2, 3].map((rank) => ({ rank, title: `${q} ${rank}` }));
  return Promise.resolve(
    new Response(JSON.stringify({ results }), { headers: { "content-type": "application/json" } }),
  );
};

Deno.test("runJob() with a processor that throws for some answers: those fail (class process), the rest are done with their rows", async () => {
  const { store, job, template, db } = await setup(["a", "b", "c", "d", "e"]);
  const processor: Processor = {
    tables: {
      hits: { columns: { key: "TEXT", rank: "INTEGER", title: "TEXT" }, key: ["key", "rank"] },
    },
    process(answer, query) {
      if (query.q === "b" || query.q === "d") throw new Error(`cannot read ${query.q}`);
      const { results } = answer.body as { results: { rank: number; title: string }[] };
      return { hits: results.map((r) => ({ key: answer.key, rank: r.rank, title: r.title })) };
    },
  };
  const results: ItemResult[] = [];
  const stats = new RunStats({ total: 0, done: 0, failed: 0 });
  try {
    const summary = await runJob(store, job, template, {
      ...FAST,
      fetch: searchApi,
      processor,
      stats,
      onResult: (r) => void results.push(r),
    });
    assert.deepEqual(
      { done: summary.counts.done, failed: summary.counts.failed },
      { done: 3, failed: 2 },
    );
    assert.deepEqual({ done: summary.stats.done, failed: summary.stats.failed }, {
      done: 3,
      failed: 2,
    });
    const failed = results.filter((r) => r.state === "failed").map((
      r,
    ) => [r.key, r.errorClass, r.error]);
    assert.deepEqual(failed.sort(), [
      ["b", "process", "process: cannot read b"],
      ["d", "process", "process: cannot read d"],
    ]);
    assert.deepEqual(
      await db.rows("SELECT key, count(*) AS n FROM hits GROUP BY key ORDER BY key"),
      [{ key: "a", n: 3 }, { key: "c", n: 3 }, { key: "e", n: 3 }],
    );
    assert.deepEqual(
      await db.rows("SELECT key, error_class FROM items WHERE status = 'failed' ORDER BY key"),
      [{ key: "b", error_class: "process" }, { key: "d", error_class: "process" }],
    );
  } finally {
    store.close();
  }
});

Deno.test("runJob() with --schema and --into fills the table in the transaction of each answer", async () => {
  const { store, job, template, db } = await setup(["a", "b", "c"]);
  try {
    const summary = await runJob(store, job, template, {
      ...FAST,
      fetch: searchApi,
      schema: "CREATE TABLE IF NOT EXISTS hits (key TEXT, q TEXT, rank INTEGER, title TEXT)",
      into:
        `INSERT INTO hits SELECT :key, :vars ->> '$.q', j.value ->> '$.rank', j.value ->> '$.title'
             FROM json_each(:body, '$.results') AS j`,
    });
    assert.equal(summary.counts.done, 3);
    assert.equal(await db.count("SELECT count(*) FROM hits"), 9);
    assert.deepEqual(
      await db.rows("SELECT q, title FROM hits WHERE key = 'b' AND rank = 2"),
      [{ q: "b", title: "b 2" }],
    );
  } finally {
    store.close();
  }
});

Deno.test("runJob() refuses bad --into SQL before anything is sent", async () => {
  const { store, job, template } = await setup(["a"]);
  let sent = 0;
  try {
    await assert.rejects(
      runJob(store, job, template, {
        ...FAST,
        fetch: (...args) => (sent++, searchApi(...args)),
        into: "INSERT INTO nowhere VALUES (:key)",
      }),
      (error: Error) => error instanceof InputError && /no such table: nowhere/.test(error.message),
    );
    assert.equal(sent, 0);
  } finally {
    store.close();
  }
});

Deno.test("runJob() with a processor returning bigints: an INTEGER in SQLite's range, else its exact digits as text, or the item fails rather than store a float", async () => {
  const { store, job, template, db } = await setup(["in", "beyond", "numeric"]);
  const processor: Processor = {
    tables: {
      big: { columns: { key: "TEXT", n: "INTEGER", text: "TEXT", any: "" }, key: ["key"] },
    },
    schema: "CREATE TABLE IF NOT EXISTS sums (key TEXT PRIMARY KEY, total DECIMAL(30))",
    process(answer): ProcessorRows {
      const n = answer.key === "in" ? 2n ** 63n - 1n : 2n ** 70n + 1n;
      if (answer.key === "numeric") return { sums: [{ key: answer.key, total: n }] };
      return { big: [{ key: answer.key, n: answer.key === "in" ? n : 0, text: n, any: n }] };
    },
  };
  try {
    const summary = await runJob(store, job, template, { ...FAST, fetch: searchApi, processor });
    assert.deepEqual([summary.counts.done, summary.counts.failed], [2, 1]);
    assert.deepEqual(
      await db.rows(
        `SELECT key, CAST(n AS TEXT) AS n, typeof(n) AS nt, text, typeof(text) AS tt,
                CAST(any AS TEXT) AS any, typeof(any) AS at FROM big ORDER BY key`,
      ),
      [
        {
          key: "beyond",
          n: "0",
          nt: "integer",
          text: "1180591620717411303425",
          tt: "text",
          any: "1180591620717411303425",
          at: "text",
        },
        {
          key: "in",
          n: "9223372036854775807",
          nt: "integer",
          text: "9223372036854775807",
          tt: "text",
          any: "9223372036854775807",
          at: "integer",
        },
      ],
    );
    assert.deepEqual(
      await db.rows("SELECT key, last_error FROM items WHERE status = 'failed'"),
      [{
        key: "numeric",
        last_error: 'process: column "total" of table "sums" is 1180591620717411303425, ' +
          "beyond SQLite's 64-bit integers, and its type would store it as a float: " +
          "declare the column TEXT to keep its digits",
      }],
    );
  } finally {
    store.close();
  }
});
