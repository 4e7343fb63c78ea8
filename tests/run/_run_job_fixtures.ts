/**
 * Fixtures of the runJob() tests: a job in an in-memory store, and an API
 * mocked by msw that answers each query by a script.
 *
 * @module
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import type { Clock, FakeClock } from "../../lib/util/clock.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import type { RunJobOptions } from "../../lib/run/run_job.ts";
import type { Store } from "../../lib/store/store.ts";
import { compileTemplate, type RequestTemplate } from "../../lib/job/template.ts";
import { type TestDb, testDb } from "../_db.ts";

/** The mocked endpoint. */
export const API = "http://api.test/search";
/** A POST of `{ q }` to it. */
export const REQUEST: RequestTemplate = { url: API, body: { q: "{{q}}" } };
/** Unpaced, with quick retries. */
export const FAST: RunJobOptions = {
  rate: { kind: "none" },
  concurrency: 4,
  retryBaseMs: 1,
};

/** How the API answers one request for query `q`. */
export type Reply = (q: string) => Response | Promise<Response>;
/** 200 with `{ answer: q }`. */
export const ok: Reply = (q) => HttpResponse.json({ answer: q });
/** `status` with `{ error: status }` and `headers`. */
export const reply = (status: number, headers?: Record<string, string>): Reply => () =>
  HttpResponse.json({ error: status }, { status, ...(headers ? { headers } : {}) });

/** A mocked POST endpoint answering each query by its script (the last reply repeats). */
export function api(script: Record<string, Reply[]> = {}, clock?: Clock, url = API) {
  const seen: { q: string; idem: string | null; ua: string | null; at: number }[] = [];
  const handler = http.all(url, async ({ request }) => {
    const q = request.method === "GET"
      ? new URL(request.url).searchParams.get("q")!
      : (await request.json() as { q: string }).q;
    const n = seen.filter((s) => s.q === q).length;
    seen.push({
      q,
      idem: request.headers.get("idempotency-key"),
      ua: request.headers.get("user-agent"),
      at: clock?.now() ?? Date.now(),
    });
    const replies = script[q] ?? [ok];
    return await replies[Math.min(n, replies.length - 1)]!(q);
  });
  return { handler, seen };
}

/** An in-memory store with one job of `queries` (ids a, b, … and `q` = the id). */
export async function setup(ids: string[], request = REQUEST) {
  const db = await testDb();
  const store = db.store;
  const template = compileTemplate(request);
  const queries = (async function* () {
    for (const [i, id] of ids.entries()) yield { vars: { id, q: id }, line: i + 1 };
  })();
  const input = { file: "t.jsonl", format: "jsonl" as const, settings: {}, queries };
  const { job } = await prepareJob(store, template, { name: "t", input, request });
  return { store, job, template, db };
}

/** The items' columns the tests look at, in input order. */
export const itemRows = (db: TestDb) =>
  db.rows(
    "SELECT key, status, attempts, throttled, sends, last_status, last_error FROM items ORDER BY seq",
  );
/** Every stored response, by item and attempt. */
export const responseRows = (db: TestDb) =>
  db.rows(
    "SELECT i.key, r.attempt, r.status, r.body, r.url, r.error FROM responses r JOIN items i ON i.id = r.item ORDER BY i.seq, r.attempt",
  );

/** Runs a job under msw with `handlers`, always closing the server and the store. */
export async function withMsw<T>(
  handlers: Parameters<typeof setupServer>,
  fn: () => Promise<T>,
  store: Store,
): Promise<T> {
  const server = setupServer(...handlers);
  server.listen({ onUnhandledRequest: "error" });
  try {
    return await fn();
  } finally {
    server.close();
    store.close();
  }
}

/** Advances a fake clock whenever the run is parked on it, until the run ends. */
export async function drive<T>(clock: FakeClock, run: Promise<T>): Promise<T> {
  let finished = false;
  run.then(() => finished = true, () => finished = true);
  while (!finished) {
    await new Promise((resolve) => setTimeout(resolve, 0)); // let real I/O progress
    if (clock.sleepers > 0) await clock.next();
  }
  return await run;
}
