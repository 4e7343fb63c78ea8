/**
 * The scheduler: claims ready items page by page under a lease and hands
 * them out one by one; when none is ready, it sees what is left, takes back
 * the items of dead workers, and sleeps until the next item is due or until
 * woken (an outcome was committed, or the run is stopping).
 *
 * @module
 */
import type { Clock } from "../util/clock.ts";
import type { ClaimedItem, QueueRepository } from "../store/queue.ts";
import type { RunControl } from "./run_control.ts";

/** Options for {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** Where items are claimed from. */
  queue: Pick<QueueRepository, "claim" | "readiness">;
  /** The job. */
  jobId: number;
  /** The lease owner the items are claimed for. */
  owner: string;
  /** Items claimed per statement. */
  pageSize: number;
  /** How long a claim is valid without renewal. */
  leaseMs: number;
  /** Source of time. */
  clock: Clock;
  /** The run's stop state: no claims once stopping; a failed claim is reported to it. */
  control: RunControl;
  /** Writes the outcomes buffered so far, before looking at what is left. */
  flush: () => Promise<unknown>;
  /** Returns dead workers' in-flight items to the queue; resolves to how many. */
  recover: () => Promise<number>;
  /** Told how many items were taken back from dead workers. @default nothing */
  onRecovered?: (count: number) => void;
  /** Claim items with their page and next request (a job with `--next`). @default false */
  pages?: boolean;
}

/**
 * The number of items to claim per statement: unpaced, items go as fast as
 * slots free up, so bigger pages and fewer statements.
 *
 * @example Usage
 * ```ts
 * import { claimPageSize } from "./scheduler.ts";
 * import assert from "node:assert/strict";
 * assert.equal(claimPageSize(16, false), 32);
 * assert.equal(claimPageSize(16, true), 256);
 * ```
 */
export function claimPageSize(concurrency: number, unpaced: boolean): number {
  return unpaced
    ? Math.min(1000, Math.max(256, concurrency * 8))
    : Math.max(16, Math.min(1000, concurrency * 2));
}

/**
 * Hands out a job's ready items until none is pending or in flight, or until
 * the run stops.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { RunControl } from "./run_control.ts";
 * import { Scheduler } from "./scheduler.ts";
 * import { systemClock } from "../util/clock.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * await store.queue.importItems(job.id, [[0, "a", "{}"], [1, "b", "{}"]], 0);
 * const control = new RunControl();
 * const scheduler = new Scheduler({
 *   queue: store.queue, jobId: job.id, owner: "me", pageSize: 10, leaseMs: 60_000,
 *   clock: systemClock, control, flush: () => Promise.resolve(), recover: () => Promise.resolve(0),
 * });
 * const keys = [];
 * for await (const item of scheduler.items()) {
 *   keys.push(item.key);
 *   await store.results.write("me", job.id, [{
 *     id: item.id, status: "done", attempts: 1, throttled: 0, nextAt: 0, lastStatus: 200,
 *     lastError: null, errorClass: null, possiblySent: 0, sent: 1,
 *   }], 0);
 * }
 * assert.deepEqual(keys.sort(), ["a", "b"]);
 * control.dispose();
 * store.close();
 * ```
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  #wake: (() => void) | undefined;
  // Set by a wake-up that came while the scheduler was not asleep (say, during
  // its readiness query), so that it does not then sleep through it.
  #woken = false;
  #recovered = 0;

  /** Wakes up by itself when the run stops. */
  constructor(options: SchedulerOptions) {
    this.#options = options;
    options.control.grantSignal.addEventListener("abort", () => this.wake(), { once: true });
  }

  /** Items taken back from dead workers while running. */
  get recovered(): number {
    return this.#recovered;
  }

  /** Looks again at once: an outcome was committed, or the run is stopping. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * The ready items, claimed page by page. Ends when nothing is pending or
   * in flight, or when the run stops; a failed claim ends it too and is
   * reported to the run's control (a pool would only report its tasks' errors).
   */
  async *items(): AsyncGenerator<ClaimedItem> {
    try {
      yield* this.#claimLoop();
    } catch (error) {
      this.#options.control.fail("claim", error);
    }
  }

  async *#claimLoop(): AsyncGenerator<ClaimedItem> {
    const { queue, jobId, owner, pageSize, leaseMs, clock, control, pages = false } = this.#options;
    while (!control.stopping) {
      this.#woken = false;
      const now = clock.now();
      const page = await queue.claim(jobId, owner, pageSize, now, now + leaseMs, pages);
      if (page.length > 0) {
        for (const item of page) {
          if (control.stopping) return;
          yield item;
        }
        continue;
      }
      await this.#options.flush();
      const { pending, inflight, nextAt } = await queue.readiness(jobId);
      if (pending === 0 && inflight === 0) return;
      // In-flight items: ours finish and wake us; another worker's may belong to
      // a process that died (or whose lease ran out) since this run started.
      if (inflight > 0) {
        const n = await this.#options.recover();
        this.#recovered += n;
        this.#options.onRecovered?.(n);
        if (n > 0) continue;
      }
      const wait = pending > 0 && nextAt !== undefined
        ? Math.min(1000, Math.max(5, nextAt - clock.now()))
        : Math.min(1000, leaseMs / 4);
      if (this.#woken) continue;
      const nap = new AbortController();
      this.#wake = () => nap.abort();
      await clock.sleep(wait, nap.signal).catch(() => {});
      this.#wake = undefined;
    }
  }
}
