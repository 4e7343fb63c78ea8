/**
 * A worker's leases on the items it claimed: registration in `workers`, a
 * heartbeat that renews the leases, and recovery of the items of workers that
 * are gone (their process died, or their heartbeat stopped).
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { Store } from "./store.ts";

/** Options for {@linkcode LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** How long a lease lasts without renewal. @default 60_000 */
  leaseMs?: number;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** This machine's name. @default Deno.hostname() */
  host?: string;
  /** This process's id. @default Deno.pid */
  pid?: number;
  /** Whether a process on this machine is alive. @default a check of /proc on Linux */
  isAlive?: (pid: number) => boolean | undefined;
}

/**
 * Keeps this worker's leases alive and returns dead workers' items to the queue.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "./store.ts";
 * import { LeaseKeeper } from "./lease_keeper.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.createJob({ name: "j", request: "{}", options: "{}", now: 0 });
 * const keeper = new LeaseKeeper(store, job.id, { leaseMs: 1000 });
 * assert.equal(await keeper.start(), 0);
 * await keeper.stop();
 * store.close();
 * ```
 */
export class LeaseKeeper {
  readonly owner: string;
  readonly #store: Store;
  readonly #jobId: number;
  readonly #leaseMs: number;
  readonly #clock: Clock;
  readonly #host: string;
  readonly #pid: number;
  readonly #isAlive: (pid: number) => boolean | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating: Promise<void> = Promise.resolve();

  constructor(store: Store, jobId: number, options: LeaseKeeperOptions = {}) {
    const {
      leaseMs = 60_000,
      clock = systemClock,
      host = hostname(),
      pid = Deno.pid,
      isAlive = processAlive,
    } = options;
    this.#store = store;
    this.#jobId = jobId;
    this.#leaseMs = leaseMs;
    this.#clock = clock;
    this.#host = host;
    this.#pid = pid;
    this.#isAlive = isAlive;
    this.owner = `${host}:${pid}:${crypto.randomUUID().slice(0, 8)}`;
  }

  /**
   * Registers this worker, returns dead workers' in-flight items to `pending`
   * and starts the heartbeat. Returns how many items were recovered.
   */
  async start(): Promise<number> {
    const now = this.#clock.now();
    await this.#store.heartbeat(this.#worker(), now);
    const recovered = await this.recover();
    this.#timer = setInterval(() => {
      this.#beating = this.#beating.then(() => this.#beat()).catch(() => {});
    }, Math.max(50, this.#leaseMs / 3));
    return recovered;
  }

  /** Returns to `pending` the items of workers that are gone. */
  async recover(): Promise<number> {
    const now = this.#clock.now();
    const dead: string[] = [];
    for (const worker of await this.#store.workers(this.#jobId)) {
      if (worker.id === this.owner) continue;
      const gone = worker.host === this.#host
        ? this.#isAlive(worker.pid) === false || worker.heartbeat < now - this.#leaseMs
        : worker.heartbeat < now - this.#leaseMs;
      if (gone) dead.push(worker.id);
    }
    const recovered = await this.#store.recoverLeases(this.#jobId, now, dead);
    await this.#store.removeWorkers(dead);
    return recovered;
  }

  /** Stops the heartbeat; with `release`, puts this worker's claimed items back to `pending`. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    if (options.release ?? true) {
      await this.#store.releaseOwner(this.#jobId, this.owner, this.#clock.now());
      await this.#store.removeWorkers([this.owner]);
    }
  }

  async #beat(): Promise<void> {
    const now = this.#clock.now();
    await this.#store.heartbeat(this.#worker(), now);
    await this.#store.renewLeases(this.#jobId, this.owner, now + this.#leaseMs);
  }

  #worker() {
    return { id: this.owner, jobId: this.#jobId, host: this.#host, pid: this.#pid };
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** True or false on Linux (from /proc), undefined where that cannot be told. */
function processAlive(pid: number): boolean | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    return undefined;
  }
}
