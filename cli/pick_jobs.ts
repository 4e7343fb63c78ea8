/**
 * The job (or jobs) a report command is about: `--job NAME`, or every job.
 *
 * @module
 */
import { InputError } from "../lib/errors.ts";
import type { JobRow, StoreView } from "../lib/store/store.ts";

/**
 * The jobs `--job` names: the one named, or every job when no name is given.
 *
 * @throws {InputError} When no job has that name.
 *
 * @example Usage
 * ```ts
 * import { pickJobs } from "./pick_jobs.ts";
 * import { openStore } from "../lib/store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * assert.deepEqual(await pickJobs(store, undefined), []);
 * await assert.rejects(pickJobs(store, "nope"), /No job named "nope"/);
 * store.close();
 * ```
 */
export async function pickJobs(store: StoreView, name: string | undefined): Promise<JobRow[]> {
  const jobs = await store.jobs.list();
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

/**
 * The one job `--job` names, or the only job when no name is given.
 *
 * @throws {InputError} When there is no such job, or several and no name.
 *
 * @example Usage
 * ```ts
 * import { pickOneJob } from "./pick_jobs.ts";
 * import { openStore } from "../lib/store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await assert.rejects(pickOneJob(store, undefined), /No jobs in :memory:/);
 * store.close();
 * ```
 */
export async function pickOneJob(store: StoreView, name: string | undefined): Promise<JobRow> {
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
