/**
 * Helpers for the several-workers tests: a job imported into a file database
 * before any worker starts (so that they all resume it at once), `sluice run`
 * workers on it, and what the database says about items and answers.
 *
 * @module
 */
import { createClient } from "@libsql/client";
import { compileTemplate } from "../../lib/job/template.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { openStore } from "../../lib/store/store.ts";
import { SluiceProcess } from "../_sluice_process.ts";

/** A job's route, body and queries, other than the worker tests' search. */
export interface WorkerJob {
  /** The mock's path. */
  path: string;
  /** The body template. */
  body: Record<string, unknown>;
  /** The `i`-th query's fields. */
  vars: (i: number) => Record<string, unknown>;
}

const SEARCH: WorkerJob = {
  path: "/search",
  body: { q: "{{q}}" },
  vars: (i) => ({ q: `query ${i}` }),
};

/** The job every worker test runs: `items` queries POSTed to the mock at `port` (`/search`, or `job`'s). */
export async function importJob(
  db: string,
  port: number,
  items: number,
  job: WorkerJob = SEARCH,
): Promise<void> {
  const store = await openStore(db);
  try {
    const request = {
      url: `http://127.0.0.1:${port}${job.path}`,
      method: "POST",
      body: job.body,
    };
    const input = {
      file: "w.jsonl",
      format: "jsonl" as const,
      settings: {},
      queries: queries(items, job.vars),
    };
    await prepareJob(store, compileTemplate(request), { name: "w", input, request });
  } finally {
    store.close();
  }
}

async function* queries(n: number, vars: (i: number) => Record<string, unknown>) {
  for (let i = 0; i < n; i++) yield { vars: vars(i), line: i + 1 };
}

/** `n` workers of job "w" in `db`, started together. */
export function startWorkers(n: number, db: string, args: string[]): SluiceProcess[] {
  return Array.from(
    { length: n },
    () => new SluiceProcess(["run", "--db", db, "--job", "w", "--quiet", ...args]),
  );
}

/** What the database holds about job "w": items by status, answers per item, workers. */
export async function readJob(db: string): Promise<{
  byStatus: Record<string, number>;
  /** Items with more than one 2xx answer stored. */
  doubled: number;
  /** 2xx answers stored. */
  ok: number;
  workers: { pid: number; share: number | null; heartbeat: number }[];
}> {
  const client = createClient({ url: db });
  try {
    const statuses = await client.execute("SELECT status, count(*) FROM items GROUP BY status");
    const doubled = await client.execute(
      `SELECT count(*) FROM (SELECT item FROM responses WHERE status BETWEEN 200 AND 299
       GROUP BY item HAVING count(*) > 1)`,
    );
    const ok = await client.execute(
      "SELECT count(*) FROM responses WHERE status BETWEEN 200 AND 299",
    );
    const workers = await client.execute("SELECT pid, rate_share, heartbeat FROM workers");
    return {
      byStatus: Object.fromEntries(statuses.rows.map((r) => [String(r[0]), Number(r[1])])),
      doubled: Number(doubled.rows[0]![0]),
      ok: Number(ok.rows[0]![0]),
      workers: workers.rows.map((r) => ({
        pid: Number(r[0]),
        share: r[1] === null ? null : Number(r[1]),
        heartbeat: Number(r[2]),
      })),
    };
  } finally {
    client.close();
  }
}

/**
 * Samples, every 250 ms, whether `n` workers each hold 1/n of the rate, and
 * `accepted()`; `stop()` gives the accepted rate between the first and the
 * last sample in which they did.
 */
export function watchShares(
  db: string,
  n: number,
  accepted: () => number,
): { stop: () => Promise<{ rate: number; seconds: number }> } {
  const client = createClient({ url: db });
  const shared: { at: number; accepted: number }[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      const rs = await client.execute("SELECT rate_share FROM workers").catch(() => undefined);
      const rows = rs?.rows ?? [];
      if (rows.length === n && rows.every((r) => Math.abs(Number(r[0]) - 1 / n) < 1e-9)) {
        shared.push({ at: Date.now(), accepted: accepted() });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      client.close();
      const first = shared[0];
      const last = shared.at(-1);
      if (!first || !last || last.at === first.at) return { rate: 0, seconds: 0 };
      const seconds = (last.at - first.at) / 1000;
      return { rate: (last.accepted - first.accepted) / seconds, seconds };
    },
  };
}
