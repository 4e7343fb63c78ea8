import assert from "node:assert/strict";
import { MIGRATIONS, SCHEMA_VERSION } from "../../lib/store/migrations.ts";
import { openStore } from "../../lib/store/store.ts";
import { execute } from "../_db.ts";

Deno.test("openStore() migrates a version 3 database forward, classing its failures", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-migrate-" });
  const url = `file:${dir}/old.db`;
  try {
    // A database as sluice left it before items had an error class.
    await execute(url, [...MIGRATIONS.slice(0, 3).flat(), "PRAGMA user_version = 3"]);
    const rows: [string, string, number | null, string | null][] = [
      ["s500", "failed", 500, "http 500 (after 5 attempts)"],
      ["s503", "failed", 503, "http 503 (throttled 51 times)"],
      ["s404", "failed", 404, "http 404"],
      ["s429", "failed", 429, "http 429 (throttled 51 times)"],
      ["timeout", "failed", null, "timeout (after 5 attempts)"],
      ["network", "failed", null, "network: ECONNREFUSED (after 5 attempts)"],
      ["big", "failed", 200, "response body over 100 bytes (--max-body)"],
      ["render", "failed", null, "render: no field q"],
      ["redirects", "failed", 302, "more than 10 redirects (--max-redirects)"],
      ["odd", "failed", null, "no response"],
      ["retrying", "pending", 502, "http 502"],
      ["done", "done", 200, null],
    ];
    await execute(url, [
      `INSERT INTO jobs (id, name, created, request, options, idem_prefix, updated)
       VALUES (1, 'j', 0, '{"url":"http://x.test/"}', '{}', 'p', 0)`,
      ...rows.map(([key, status, lastStatus, lastError], seq) => ({
        sql: `INSERT INTO items (job, seq, key, vars, status, last_status, last_error)
              VALUES (1, ?, ?, '{}', ?, ?, ?)`,
        args: [seq, key, status, lastStatus, lastError],
      })),
      `INSERT INTO responses (job, seq, item, attempt, status, error, at)
       SELECT 1, seq, id, 1, last_status, last_error, 0 FROM items`,
    ]);
    const store = await openStore(url);
    try {
      const classes = await store.reports.failedItems(1, { limit: 20 });
      assert.deepEqual(
        Object.fromEntries(classes.map((i) => [i.key, i.errorClass])),
        {
          s500: "http_5xx",
          s503: "http_5xx",
          s404: "http_4xx",
          s429: "throttled",
          timeout: "timeout",
          network: "network",
          big: "body_too_large",
          render: "render",
          redirects: "too_many_redirects",
          odd: "other",
        },
      );
      assert.deepEqual(await store.reports.failureClasses(1), {
        other: 4,
        "5xx": 2,
        "429": 1,
        "4xx": 1,
        network: 1,
        timeout: 1,
      });
      const retrying = await store.reports.itemWithResponses(1, "retrying");
      assert.equal(retrying?.errorClass, "http_5xx");
      assert.equal(retrying?.responses[0]?.errorClass, "http_5xx");
      const done = await store.reports.itemWithResponses(1, "done");
      assert.deepEqual([done?.errorClass, done?.responses[0]?.errorClass], [null, null]);
      assert.equal(await store.queue.requeueFailed(1, "timeout", 1), 1);
    } finally {
      store.close();
    }
    // Opening again migrates nothing more.
    const again = await openStore(url);
    again.close();
    assert.equal(SCHEMA_VERSION, 12);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() refuses a database newer than this sluice", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-migrate-" });
  const url = `file:${dir}/new.db`;
  try {
    await execute(url, [`PRAGMA user_version = ${SCHEMA_VERSION + 1}`]);
    await assert.rejects(
      openStore(url),
      new RegExp(`has schema version ${SCHEMA_VERSION + 1}, newer than this sluice`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() turns a body stored as TEXT with a NUL into its whole bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-migrate-" });
  const url = `file:${dir}/nul.db`;
  // The migration before the one that keeps such bodies as BLOBs.
  const before = MIGRATIONS.findIndex((m) => m.some((s) => s.includes("CAST(body AS BLOB)")));
  try {
    await execute(url, [...MIGRATIONS.slice(0, before).flat(), `PRAGMA user_version = ${before}`]);
    await execute(url, [
      `INSERT INTO jobs (id, name, created, request, options, idem_prefix, updated)
       VALUES (1, 'j', 0, '{"url":"http://x.test/"}', '{}', 'p', 0)`,
      `INSERT INTO items (job, seq, key, vars, status) VALUES (1, 0, 'nul', '{}', 'done'),
         (1, 1, 'text', '{}', 'done')`,
      // As sluice stored them then: the body's text, NUL and all.
      {
        sql: `INSERT INTO responses (job, seq, item, attempt, status, body, at)
              SELECT 1, seq, id, 1, 200, CASE key WHEN 'nul' THEN ? ELSE ? END, 0 FROM items`,
        args: ["abcdefg\u0000hijklmnopqrstu", '{"a":1}'],
      },
    ]);
    const store = await openStore(url);
    try {
      const nul = await store.reports.itemWithResponses(1, "nul");
      assert.deepEqual(
        nul?.responses[0]?.body,
        new TextEncoder().encode("abcdefg\u0000hijklmnopqrstu"),
      );
      const text = await store.reports.itemWithResponses(1, "text");
      assert.equal(text?.responses[0]?.body, '{"a":1}');
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
