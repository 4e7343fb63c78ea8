/**
 * `sluice retry`: put failed items back in the queue.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import { openExisting } from "./open_existing.ts";
import { pickOneJob } from "./pick_jobs.ts";
import { commandLine } from "./shell_quote.ts";
import { InputError } from "../lib/errors.ts";
import type { RequeueFilter } from "../lib/store/store.ts";

/** Flags of `sluice retry`. */
export interface RetryFlags {
  /** The database's URL. */
  db: string;
  /** The job (needed when the database holds several). @default the only job */
  job?: string;
  /** Which failures: failed, 5xx, 4xx, 429, timeout or network. @default "failed" */
  status?: string;
}

/** Options for {@linkcode retryCommand}. */
export interface RetryOptions {
  /** How the user runs sluice, for the command printed. @default "sluice" */
  command?: string;
}

const FILTERS: RequeueFilter[] = ["failed", "5xx", "4xx", "429", "timeout", "network"];

/**
 * Puts failed items back in the queue (attempts reset); the next run sends them.
 *
 * @throws {InputError} For an unknown `--status`, or no such job.
 *
 * @example Usage
 * ```ts
 * import { retryCommand } from "./retry.ts";
 * import assert from "node:assert/strict";
 * const io = { log: () => {}, error: () => {} };
 * await assert.rejects(retryCommand({ db: ":memory:", status: "2xx" }, io), /Cannot re-queue/);
 * ```
 */
export async function retryCommand(
  flags: RetryFlags,
  io: Console,
  options: RetryOptions = {},
): Promise<number> {
  const { command = "sluice" } = options;
  const filter = (flags.status ?? "failed") as RequeueFilter;
  if (!FILTERS.includes(filter)) {
    throw new InputError(`Cannot re-queue by '${flags.status}': use one of ${FILTERS.join(", ")}`);
  }
  const store = await openExisting(flags.db);
  try {
    const job = await pickOneJob(store, flags.job);
    const n = await store.queue.requeueFailed(job.id, filter, Date.now());
    io.error(
      `sluice: ${n} failed items of job "${job.name}" re-queued; run it again to send them: ` +
        commandLine(command, ["run", "--db", flags.db, "--job", job.name]),
    );
    return EXIT.ok;
  } finally {
    store.close();
  }
}
