/**
 * `sluice status`, `sluice export` and `sluice retry`: reading (and
 * re-queueing) what a database holds.
 *
 * @module
 */
import { InputError } from "../lib/errors.ts";
import { type JobRow, openStore, type RequeueFilter, type Store } from "../lib/store/store.ts";
import type { Console } from "./run.ts";

async function openExisting(db: string): Promise<Store> {
  if (db.startsWith("file:")) {
    const path = db.slice("file:".length);
    try {
      await Deno.stat(path);
    } catch {
      throw new InputError(`No database at ${path}`);
    }
  }
  return await openStore(db);
}

async function pickJobs(store: Store, name: string | undefined): Promise<JobRow[]> {
  const jobs = await store.listJobs();
  if (name === undefined) return jobs;
  const job = jobs.find((j) => j.name === name);
  if (!job) {
    throw new InputError(
      `No job named "${name}" in ${store.url} (jobs: ${
        jobs.map((j) => j.name).join(", ") || "none"
      })`,
    );
  }
  return [job];
}

async function pickOneJob(store: Store, name: string | undefined): Promise<JobRow> {
  const jobs = await pickJobs(store, name);
  if (jobs.length !== 1) {
    throw new InputError(
      jobs.length === 0
        ? `No jobs in ${store.url}`
        : `Several jobs in ${store.url}; pick one with --job (${
          jobs.map((j) => j.name).join(", ")
        })`,
    );
  }
  return jobs[0]!;
}

/** Prints each job's counts, by state and by failure reason. */
export async function statusCommand(
  flags: { db: string; job?: string; json?: boolean },
  io: Console,
): Promise<number> {
  const store = await openExisting(flags.db);
  try {
    const jobs = [];
    for (const job of await pickJobs(store, flags.job)) {
      const counts = await store.counts(job.id);
      const failures = await store.failureReasons(job.id);
      const failureClasses = await store.failureClasses(job.id);
      jobs.push({
        name: job.name,
        created: new Date(job.created).toISOString(),
        url: JSON.parse(job.request).url as string,
        options: JSON.parse(job.options),
        ...counts,
        failureClasses,
        failures,
      });
    }
    if (flags.json) {
      io.log(JSON.stringify({ db: flags.db, jobs }, null, 2));
      return 0;
    }
    if (jobs.length === 0) io.log(`No jobs in ${flags.db}`);
    for (const j of jobs) {
      io.log(
        `${j.name}: ${j.done}/${j.total} done, ${j.failed} failed, ${j.pending} pending, ` +
          `${j.inflight} in flight` +
          (j.possiblySent ? `, ${j.possiblySent} possibly sent twice` : "") + `  (${j.url})`,
      );
      const classes = Object.entries(j.failureClasses);
      if (classes.length > 0) {
        io.log(`  failed by last error: ${classes.map(([c, n]) => `${c} ${n}`).join(", ")}`);
      }
      for (const [reason, n] of Object.entries(j.failures)) io.log(`  ${n} × ${reason}`);
      const found = j.options.discoveredRate;
      if (found?.rate) {
        io.log(
          `  auto rate: ${found.rate}/s` +
            (found.ceiling ? ` (429s from ${found.ceiling}/s)` : "") +
            (found.at ? `, as of ${found.at}` : ""),
        );
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

/** Writes one record per item: key, state, final HTTP status, body. */
export async function exportCommand(
  flags: { db: string; job?: string; format?: string; out?: string },
  output: { write(p: Uint8Array): Promise<number> } = Deno.stdout,
): Promise<number> {
  const format = flags.format ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") {
    throw new InputError(`Cannot export as '${format}': use jsonl or csv`);
  }
  const store = await openExisting(flags.db);
  const file = flags.out
    ? await Deno.open(flags.out, { write: true, create: true, truncate: true })
    : undefined;
  const encoder = new TextEncoder();
  let lines: string[] = [];
  const write = async (force = false) => {
    if (!force && lines.length < 1000) return;
    const text = lines.join("");
    lines = [];
    if (file) await file.write(encoder.encode(text));
    else await output.write(encoder.encode(text));
  };
  try {
    const job = await pickOneJob(store, flags.job);
    if (format === "csv") lines.push("key,seq,state,status,attempts,error,url,body\n");
    for await (const row of store.exportRows(job.id)) {
      if (format === "jsonl") {
        let body: unknown = row.body;
        try {
          if (row.body !== null) body = JSON.parse(row.body);
        } catch { /* not JSON: kept as text */ }
        lines.push(
          JSON.stringify({
            key: row.key,
            seq: row.seq,
            state: row.state,
            status: row.status,
            attempts: row.attempts,
            error: row.error,
            url: row.url,
            vars: row.vars,
            body,
          }) + "\n",
        );
      } else {
        lines.push(
          [row.key, row.seq, row.state, row.status, row.attempts, row.error, row.url, row.body]
            .map(csvField).join(",") + "\n",
        );
      }
      await write();
    }
    await write(true);
    return 0;
  } finally {
    file?.close();
    store.close();
  }
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const FILTERS: RequeueFilter[] = ["failed", "5xx", "4xx", "429", "timeout", "network"];

/** Puts failed items back in the queue. */
export async function retryCommand(
  flags: { db: string; job?: string; status?: string },
  io: Console,
): Promise<number> {
  const filter = (flags.status ?? "failed") as RequeueFilter;
  if (!FILTERS.includes(filter)) {
    throw new InputError(`Cannot re-queue by '${flags.status}': use one of ${FILTERS.join(", ")}`);
  }
  const store = await openExisting(flags.db);
  try {
    const job = await pickOneJob(store, flags.job);
    const n = await store.requeueFailed(job.id, filter, Date.now());
    io.error(
      `sluice: ${n} failed items of job "${job.name}" re-queued; run it again to send them: ` +
        `sluice run --db ${flags.db} --job ${job.name}`,
    );
    return 0;
  } finally {
    store.close();
  }
}
