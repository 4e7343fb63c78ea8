/**
 * A worker's leases on the items it claimed: registration in `workers`, a
 * heartbeat that renews the leases, and recovery of the items of workers that
 * are gone (their process died, or their heartbeat stopped). The heartbeat
 * also keeps the job's rate one budget: each worker paces with 1 / live
 * workers of it, and a cooldown one worker meets (Retry-After, an open
 * breaker) goes through the database to all.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { LeaseRepository } from "../store/leases.ts";
import type { WorkerRepository, WorkerRow } from "../store/workers.ts";
import type { RateLimiter } from "../rate/rate_limiter.ts";
import { describeCooldown } from "../rate/job_cooldown.ts";
import { liveWorkers } from "../rate/rate_share.ts";
import { holdLivenessLock, releaseLivenessLock, workerAlive } from "./_liveness_lock.ts";

/** What a lease keeper reads and writes: leases and worker registrations. */
export interface LeaseStore {
  /** Lease statements. */
  readonly leases: Pick<LeaseRepository, "release" | "renew" | "recover">;
  /** Worker registrations. */
  readonly workers: Pick<
    WorkerRepository,
    "heartbeat" | "list" | "remove" | "shareCooldown" | "progress"
  >;
}

/** What the heartbeat tells the worker's limiter: its share of the rate, and the job's cooldown. */
export type SharedLimiter = Pick<
  RateLimiter,
  "setShare" | "coolDown" | "cooldownUntil" | "cooldown" | "report" | "shareWindowMs"
>;

/** Options for {@linkcode LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** How long a lease lasts without renewal. @default 60_000 */
  leaseMs?: number;
  /**
   * Time between heartbeats (at most a third of `leaseMs`); a worker whose
   * heartbeat is older than 2.5 of these leaves the split of the rate.
   * @default 1_000
   */
  heartbeatMs?: number;
  /** The limiter that takes this worker's share of the job's rate and the job's cooldown. @default undefined */
  limiter?: SharedLimiter;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /** This machine's name. @default Deno.hostname() */
  host?: string;
  /** This process's id. @default Deno.pid */
  pid?: number;
  /**
   * Whether a worker on this machine is alive: true, false, or undefined when
   * that cannot be told (then only its heartbeat's age counts).
   * @default its liveness lock file in the temporary directory, else /proc
   */
  isAlive?: (worker: { id: string; pid: number }) => boolean | undefined;
  /** Hold a liveness lock file for this worker while it runs. @default true */
  livenessLock?: boolean;
}

/**
 * Keeps this worker's leases alive and returns dead workers' items to the queue.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { LeaseKeeper } from "./lease_keeper.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const job = await store.jobs.create({ name: "j", request: { url: "" }, options: {}, now: 0 });
 * const keeper = new LeaseKeeper(store, job.id, { leaseMs: 1000 });
 * assert.equal(await keeper.start(), 0);
 * await keeper.stop();
 * store.close();
 * ```
 */
export class LeaseKeeper {
  /** This worker's lease owner name: `host:pid:random`. */
  readonly owner: string;
  readonly #store: LeaseStore;
  readonly #jobId: number;
  readonly #leaseMs: number;
  readonly #clock: Clock;
  readonly #host: string;
  readonly #pid: number;
  readonly #isAlive: (worker: { id: string; pid: number }) => boolean | undefined;
  readonly #livenessLock: boolean;
  readonly #heartbeatMs: number;
  readonly #limiter: SharedLimiter | undefined;
  #share = 1;
  #renewedAt = -Infinity;
  // What this worker last wrote as the job's cooldown: read back, it is not another's.
  #shared = 0;
  // Joined a job others work on, and not all of them have made room yet.
  #joining = false;
  #done: (() => number) | undefined;
  #recoveredByBeat = 0;
  #lock: Deno.FsFile | undefined;
  // Aborted by stop(): ends the heartbeat's wait.
  #heartbeat: AbortController | undefined;
  #beating: Promise<void> = Promise.resolve();

  /** Keeps the leases of job `jobId` in `store`; nothing happens before {@linkcode LeaseKeeper.start}. */
  constructor(store: LeaseStore, jobId: number, options: LeaseKeeperOptions = {}) {
    const {
      leaseMs = DEFAULTS.leaseMs,
      clock = systemClock,
      host = hostname(),
      pid = Deno.pid,
      isAlive = workerAlive,
      livenessLock = true,
      heartbeatMs = 1_000,
      limiter,
    } = options;
    this.#store = store;
    this.#jobId = jobId;
    this.#leaseMs = leaseMs;
    this.#clock = clock;
    this.#host = host;
    this.#pid = pid;
    this.#isAlive = isAlive;
    this.#livenessLock = livenessLock;
    this.#heartbeatMs = Math.max(50, Math.min(heartbeatMs, leaseMs / 3));
    this.#limiter = limiter;
    this.owner = `${host}:${pid}:${crypto.randomUUID().slice(0, 8)}`;
  }

  /**
   * Registers this worker, returns dead workers' in-flight items to `pending`
   * and starts the heartbeat. Returns how many items were recovered.
   */
  async start(): Promise<number> {
    // Before registering: a worker listed in `workers` already holds its lock.
    if (this.#livenessLock) this.#lock = holdLivenessLock(this.owner);
    const now = this.#clock.now();
    await this.#store.workers.heartbeat(this.#worker(), now);
    const recovered = await this.recover();
    await this.beat();
    // Joining a job others work on: send nothing, not even a first probe, until
    // each of them has recorded a share no larger than ours (made room: or the
    // shares would add up to more than the rate), and then for one window more,
    // so that what they sent at their larger share has left it (see #awaitRoom).
    if (this.#share < 1 && this.#limiter) {
      this.#joining = true;
      this.#limiter.coolDown(now + 2 * this.#heartbeatMs, { kind: "joining" });
    }
    this.#heartbeat = new AbortController();
    this.#beating = this.#beatEvery(this.#heartbeat.signal);
    return recovered;
  }

  /** From now on, each heartbeat records `done()`: the items this worker finished. */
  countDone(done: () => number): void {
    this.#done = done;
  }

  /** Items of dead workers the heartbeat returned to the queue (not those of `start` or `recover`). */
  get recoveredByHeartbeat(): number {
    return this.#recoveredByBeat;
  }

  /** This worker's share of the job's rate as of its last heartbeat: 1 / live workers. */
  get share(): number {
    return this.#share;
  }

  /** Returns to `pending` the items of workers that are gone. */
  async recover(): Promise<number> {
    const now = this.#clock.now();
    const { dead } = await this.#others(now);
    return await this.#recover(now, dead.map((w) => w.id));
  }

  async #recover(now: number, dead: string[]): Promise<number> {
    const recovered = await this.#store.leases.recover(this.#jobId, now, dead);
    await this.#store.workers.remove(dead);
    return recovered;
  }

  /**
   * The other workers of the job, dead (lock released, or heartbeat older than
   * a lease) and live (counted in the split of the rate). Each lock is looked
   * at once: finding it released removes the file, so the answer is kept.
   */
  async #others(now: number): Promise<{ dead: WorkerRow[]; live: WorkerRow[] }> {
    const alive = new Map<string, boolean | undefined>();
    const dead: WorkerRow[] = [];
    const rest: WorkerRow[] = [];
    for (const worker of await this.#store.workers.list(this.#jobId)) {
      if (worker.id === this.owner) continue;
      const known = worker.host === this.#host ? this.#isAlive(worker) : undefined;
      alive.set(worker.id, known);
      const gone = known === false || worker.heartbeat < now - this.#leaseMs;
      (gone ? dead : rest).push(worker);
    }
    const live = liveWorkers(rest, now, {
      host: this.#host,
      staleMs: 2.5 * this.#heartbeatMs,
      isAlive: (w) => alive.get(w.id),
    });
    return { dead, live };
  }

  /** Stops the heartbeat; with `release`, puts this worker's claimed items back to `pending`. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#heartbeat?.abort();
    await this.#beating;
    if (options.release ?? true) {
      await this.#store.leases.release(this.#jobId, this.owner, this.#clock.now());
      await this.#store.workers.remove([this.owner]);
      // After the registration is gone: nobody checks this lock any more.
      releaseLivenessLock(this.owner, this.#lock);
    } else {
      // Items left in flight: unlocked, the file tells other workers to take them back now.
      this.#lock?.close();
    }
    this.#lock = undefined;
  }

  /** Beats every heartbeat on the clock, one beat at a time, until `stop` aborts. */
  async #beatEvery(stop: AbortSignal): Promise<void> {
    while (true) {
      try {
        await this.#clock.sleep(this.#heartbeatMs, stop);
      } catch {
        return; // the wait only rejects when stopped
      }
      // A failed beat (the database busy a moment) is tried again at the next one.
      await this.beat().catch(() => {});
    }
  }

  /**
   * One heartbeat: returns dead workers' items, counts the live workers and takes 1 / that of the rate,
   * records it with this worker's heartbeat, shares the limiter's cooldown with
   * the job's, and renews this worker's leases when a third of them has passed.
   */
  async beat(): Promise<void> {
    const now = this.#clock.now();
    const { dead, live } = await this.#others(now);
    // Now, not when the queue runs dry: a killed worker's lock file is gone once looked at.
    if (dead.length > 0) this.#recoveredByBeat += await this.#recover(now, dead.map((w) => w.id));
    this.#share = 1 / (live.length + 1);
    this.#limiter?.setShare(this.#share);
    await this.#store.workers.heartbeat(this.#worker(), now, {
      rateShare: this.#share,
      done: this.#done?.(),
    });
    if (this.#joining) await this.#awaitRoom(now, live);
    if (this.#limiter) await this.#shareCooldown(now);
    if (now - this.#renewedAt >= this.#leaseMs / 3) {
      await this.#store.leases.renew(this.#jobId, this.owner, now + this.#leaseMs);
      this.#renewedAt = now;
    }
  }

  /**
   * While joining: once every live worker has recorded a share no larger than
   * this one's, hold until one window after the latest of those records (what
   * they sent at their larger share has then left it) and stop checking; until
   * then, hold on.
   */
  async #awaitRoom(now: number, live: readonly WorkerRow[]): Promise<void> {
    const limiter = this.#limiter!;
    const rows = live.length > 0 ? await this.#store.workers.progress(this.#jobId) : [];
    const recorded = new Map(rows.map((r) => [r.id, r]));
    let madeAt = -Infinity;
    for (const w of live) {
      const row = recorded.get(w.id);
      // Recorded at its heartbeat, after its limiter took the smaller share.
      if (!row || !(row.rateShare! <= this.#share + 1e-9)) madeAt = Infinity;
      else madeAt = Math.max(madeAt, row.heartbeat);
    }
    if (madeAt < Infinity) this.#joining = false;
    if (madeAt === -Infinity) return;
    const until = madeAt < Infinity ? madeAt + limiter.shareWindowMs : now + 2 * this.#heartbeatMs;
    if (until > limiter.cooldownUntil) limiter.coolDown(until, { kind: "joining" });
  }

  /**
   * Writes this worker's own cooldown (or open breaker) as the job's, with its
   * cause, and takes the job's when it comes from another worker: a cooldown
   * that came from the others, or a join, is not shared again, and this
   * worker's own open breaker does not become a cooldown of its own.
   */
  async #shareCooldown(now: number): Promise<void> {
    const limiter = this.#limiter!;
    const { until: cooling, cause } = limiter.cooldown;
    const own = cause.kind !== "worker" && cause.kind !== "joining" && cooling > now;
    // An open breaker has no end to tell: hold the others for two heartbeats, again at each.
    const breaker = limiter.report().breaker?.state === "open" ? now + 2 * this.#heartbeatMs : 0;
    const local = Math.max(own ? cooling : 0, breaker);
    const why = breaker > (own ? cooling : 0) ? "breaker open" : describeCooldown(cause);
    if (local > now) this.#shared = Math.max(this.#shared, local);
    const job = await this.#store.workers.shareCooldown(this.#jobId, local > now ? local : 0, why);
    if (job.until > now && job.until > this.#shared) {
      limiter.coolDown(job.until, { kind: "worker", text: job.cause || "a cooldown" });
    }
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
