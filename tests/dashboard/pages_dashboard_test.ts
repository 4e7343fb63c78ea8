/**
 * A job with pages on the dashboard: queries done, queries and pages fetched
 * among its figures; a failed page listed with its page, and its own item
 * page by `?page=N`.
 */
import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { openStore } from "../../lib/store/store.ts";

Deno.test("dashboard: a paged job shows queries and pages; a failed page links to its own page", async () => {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({
    name: "paged",
    request: { url: "http://127.0.0.1:9/s?q={{q}}" },
    options: { next: "link" },
    now: 0,
  });
  await store.queue.importItems(job.id, [[0, "a", '{"q":"a"}'], [1, "b", '{"q":"b"}']], 0);
  const base = {
    attempts: 1,
    throttled: 0,
    nextAt: 0,
    lastError: null,
    errorClass: null,
    possiblySent: 0 as const,
    sent: 1 as const,
  };
  const response = (seq: number) => ({
    seq,
    status: 200,
    durationMs: 1,
    headers: null,
    body: "{}",
    url: null,
    error: null,
    at: 1,
  });
  // Page 1 of each query names page 2.
  const first = await store.queue.claim(job.id, "w", 10, 1, 60_000, true);
  await store.results.write(
    "w",
    job.id,
    first.map((i) => ({
      ...base,
      id: i.id,
      status: "done" as const,
      lastStatus: 200,
      response: response(i.seq),
      nextPage: {
        page: 2,
        request: JSON.stringify({ url: `http://127.0.0.1:9/s?p=2&q=${i.key}` }),
      },
    })),
    1,
  );
  // Page 2 of "a" is its last; page 2 of "b" fails.
  const second = await store.queue.claim(job.id, "w", 10, 2, 60_000, true);
  assert.deepEqual(second.map((i) => [i.key, i.page]).sort(), [["a", 2], ["b", 2]]);
  await store.results.write(
    "w",
    job.id,
    second.map((i) =>
      i.key === "a"
        ? { ...base, id: i.id, status: "done" as const, lastStatus: 200, response: response(i.seq) }
        : {
          ...base,
          id: i.id,
          status: "failed" as const,
          lastStatus: 404,
          lastError: "http 404",
          errorClass: "http_4xx" as const,
          response: { ...response(i.seq), status: 404 },
        }
    ),
    2,
  );
  const app = createDashboard({ store });
  const overview = await (await app.request("/jobs/paged")).text();
  assert.match(overview, /queries done<\/dt>\s*<dd[^>]*>1<\/dd>/);
  assert.match(overview, /queries<\/dt>\s*<dd[^>]*>2<\/dd>/);
  assert.match(overview, /pages fetched<\/dt>\s*<dd[^>]*>4<\/dd>/);
  const failed = await (await app.request("/jobs/paged/failed")).text();
  assert.match(
    failed,
    /href="\/jobs\/paged\/items\/b\?page=2">b<\/a>\s*<span class="muted">page 2<\/span>/,
  );
  const item = await app.request("/jobs/paged/items/b?page=2");
  assert.equal(item.status, 200);
  const page = await item.text();
  assert.match(page, /page<\/dt>\s*<dd[^>]*>2<\/dd>/);
  assert.match(page, /http 404/);
  assert.equal((await app.request("/jobs/paged/items/b?page=3")).status, 404);
  store.close();
});
