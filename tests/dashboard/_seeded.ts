/**
 * A small database for the dashboard's tests: job "demo" with one item done,
 * one failed whose key, query and body are markup, one pending, and one
 * statistics point.
 */
import type { LiveRun } from "../../lib/dashboard/create_dashboard.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { openStore, type Store } from "../../lib/store/store.ts";

/** Markup that must only ever appear escaped. */
export const EVIL = `<script>alert("x")</script>`;

/** Opens an in-memory store holding the "demo" job. */
export async function seeded(): Promise<{ store: Store; jobId: number }> {
  const store = await openStore(":memory:");
  const job = await store.jobs.create({
    name: "demo",
    request: { url: "http://127.0.0.1:9/search" },
    options: {},
    now: 1_000,
  });
  await store.queue.importItems(job.id, [
    [0, "a", JSON.stringify({ q: "one" })],
    [1, EVIL, JSON.stringify({ q: EVIL })],
    [2, "c", JSON.stringify({ q: "three" })],
  ], 1_000);
  const claimed = await store.queue.claim(job.id, "w", 10, 2_000, 60_000);
  const byKey = new Map(claimed.map((i) => [i.key, i]));
  const base = { attempts: 1, throttled: 0, nextAt: 0, possiblySent: 0 as const, sent: 1 as const };
  await store.results.write("w", job.id, [
    {
      ...base,
      id: byKey.get("a")!.id,
      status: "done",
      lastStatus: 200,
      lastError: null,
      errorClass: null,
      response: {
        seq: 0,
        status: 200,
        durationMs: 12.5,
        headers: '{"content-type":"application/json"}',
        body: JSON.stringify({ title: EVIL }),
        url: "http://127.0.0.1:9/search",
        error: null,
        at: 3_000,
      },
    },
    {
      ...base,
      id: byKey.get(EVIL)!.id,
      status: "failed",
      lastStatus: 404,
      lastError: "http 404",
      errorClass: "http_4xx",
      response: {
        seq: 1,
        status: 404,
        durationMs: 3,
        headers: null,
        body: EVIL,
        url: null,
        error: "http 404",
        at: 3_000,
      },
    },
  ], 3_000);
  await store.leases.release(job.id, "w", 3_000);
  await store.history.add(job.id, {
    at: 3_000,
    done: 1,
    failed: 1,
    sent: 2,
    throttled: 0,
    retried: 0,
    rate: 2,
    p50Ms: 10,
    p95Ms: 12,
  });
  return { store, jobId: job.id };
}

/** A running job that records pause, resume and rate changes. */
export function fakeLive(
  job = "demo",
): { live: LiveRun; state: { paused: boolean; rate: string } } {
  const state = { paused: false, rate: "10/s" };
  const live: LiveRun = {
    job,
    snapshot: () => new RunStats({ total: 3, done: 1, failed: 1 }).snapshot(),
    pause: () => state.paused = true,
    resume: () => state.paused = false,
    paused: () => state.paused,
    rate: () => state.rate,
    setRate: (rate) => state.rate = rate,
  };
  return { live, state };
}
