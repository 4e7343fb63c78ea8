/**
 * The live updates, made once and sent to every connected page: while at
 * least one page listens, each second one message is computed (the running
 * job's point and figures from memory; every few seconds, counts, failure
 * classes, workers and new history rows of every job from the database) and
 * the same text is handed to every listener. A listener costs a read of its
 * own only when it connects (the points it missed, {@linkcode LiveFeed.catchUp}),
 * so five open tabs cost what one does.
 *
 * @module
 */
import type { JobRow, SnapshotRow, StatusView } from "../store/store.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { historyPoint } from "./history_point.ts";
import { jobFigures } from "./job_figures.ts";
import { type JobReads, lastRunShown, readJob } from "./job_reads.ts";
import type { LiveRun } from "./live_run.ts";

/** History rows of a job not running here sent to a page that connects again, at most. */
const CATCH_UP_ROWS = 2000;

/** Options for {@linkcode LiveFeed}. */
export interface LiveFeedOptions {
  /** The database to read. */
  store: StatusView;
  /** The job running in this process, if any. @default undefined */
  live?: LiveRun | undefined;
  /** Time between messages. @default 1000 */
  everyMs?: number;
  /** Every how many messages the database is read again. @default 5 */
  slowEvery?: number;
  /**
   * Every how many of those reads the job running in this process is counted
   * by state again: its live figures come from memory (see `liveCounts`), and
   * counting reads every item beside the run's own writes. @default 6
   */
  countsEvery?: number;
  /** Points of the running job kept in memory for pages opened later. @default 900 */
  keep?: number;
  /** Source of time. @default systemClock */
  clock?: Clock;
}

/** One update, as sent: its id (the time it was made) and its JSON text. */
export interface FeedMessage {
  /** When it was made (ms since 1970): the SSE event id a reconnecting page sends back. */
  id: number;
  /** The JSON text: `{ at, jobs: { [name]: FeedJob & JobCounts } }`. */
  data: string;
}

/** What a message says of one job (the JSON of {@linkcode FeedMessage.data}). */
export interface FeedJob extends Partial<Omit<JobReads, "counts">> {
  /** What the job is doing (see `JobState`). */
  state?: string;
  /** Each figure as text, by field name. */
  fields?: Record<string, string>;
  /** The running job's point of this second. */
  point?: SnapshotRow;
  /** History rows saved since the last message (jobs run by other processes). */
  points?: SnapshotRow[];
}

/**
 * Computes the live updates once per interval while anybody listens.
 *
 * @example Usage
 * ```ts
 * import { LiveFeed } from "./live_feed.ts";
 * import { openStore } from "../store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * await store.jobs.create({ name: "j", request: { url: "http://x/" }, options: {}, now: 0 });
 * const feed = new LiveFeed({ store });
 * const message = await feed.tick();
 * assert.equal(JSON.parse(message.data).jobs.j.total, 0);
 * store.close();
 * ```
 */
export class LiveFeed {
  readonly #store: StatusView;
  readonly #live: LiveRun | undefined;
  readonly #everyMs: number;
  readonly #slowEvery: number;
  readonly #countsEvery: number;
  readonly #keep: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<(message: FeedMessage) => void>();
  readonly #reads = new Map<number, JobReads>();
  readonly #historySeen = new Map<number, number>();
  #jobs: JobRow[] = [];
  #recent: SnapshotRow[] = [];
  #ticks = 0;
  #readsDone = 0;
  #latest: FeedMessage | undefined;
  #running: AbortController | undefined;

  /** A feed over `options.store`, idle until a page listens. */
  constructor(options: LiveFeedOptions) {
    const {
      store,
      live,
      everyMs = 1000,
      slowEvery = 5,
      countsEvery = 6,
      keep = 900,
      clock = systemClock,
    } = options;
    this.#store = store;
    this.#live = live;
    this.#everyMs = everyMs;
    this.#slowEvery = slowEvery;
    this.#countsEvery = countsEvery;
    this.#keep = keep;
    this.#clock = clock;
  }

  /** Number of listeners. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /**
   * Calls `listener` with every message from now on (with the latest one at
   * once when the feed is already running); returns the function that stops it.
   */
  subscribe(listener: (message: FeedMessage) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#running) this.#start();
    else if (this.#latest) listener(this.#latest);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#running?.abort();
        this.#running = undefined;
      }
    };
  }

  /** The running job's points made since `since` (kept in memory, the latest {@linkcode LiveFeedOptions.keep}). */
  recent(since = 0): SnapshotRow[] {
    return this.#recent.filter((p) => p.at > since);
  }

  /**
   * A message with every job's points since `since`, for a page that
   * connects again (a tab shown after it was hidden, a stream that ended):
   * the history rows saved since (every few seconds), then the running job's
   * points of each second kept in memory while a page listened.
   */
  async catchUp(since: number): Promise<FeedMessage | undefined> {
    const jobs: Record<string, FeedJob> = {};
    let at = since;
    for (const job of await this.#store.jobs.list()) {
      const recent = this.#live?.job === job.name ? this.recent(since) : [];
      const saved = await this.#store.history.read(job.id, since + 1, CATCH_UP_ROWS);
      const before = recent[0]?.at ?? Infinity;
      const points = [...saved.filter((p) => p.at < before), ...recent];
      if (points.length === 0) continue;
      jobs[job.name] = { points };
      at = Math.max(at, points.at(-1)!.at);
    }
    if (Object.keys(jobs).length === 0) return undefined;
    return { id: at, data: JSON.stringify({ at, jobs }) };
  }

  /** Makes one message now and hands it to every listener. */
  async tick(): Promise<FeedMessage> {
    const slow = this.#ticks++ % this.#slowEvery === 0;
    const now = this.#clock.now();
    const jobs: Record<string, FeedJob & Partial<JobReads["counts"]>> = {};
    if (slow) await this.#readAll(now);
    for (const job of this.#jobs) {
      const isLive = this.#live?.job === job.name;
      const reads = this.#reads.get(job.id);
      if (!reads || (!isLive && !slow)) continue;
      const entry: FeedJob & Partial<JobReads["counts"]> = {};
      if (isLive) {
        const run = this.#live!;
        const snapshot = run.snapshot();
        const point = historyPoint({
          snapshot: () => snapshot,
          limiter: () => run.limiter?.(),
          concurrency: () => run.concurrency?.(),
        });
        const figures = jobFigures(reads.counts, { run, snapshot }, now);
        Object.assign(entry, figures.counts, { state: figures.state, fields: figures.fields });
        entry.point = point;
        if (point.at > (this.#recent.at(-1)?.at ?? -Infinity)) this.#recent.push(point);
        if (this.#recent.length > this.#keep) this.#recent.shift();
      } else {
        const figures = jobFigures(reads.counts, undefined, now, lastRunShown(job, reads));
        Object.assign(entry, figures.counts, { state: figures.state, fields: figures.fields });
        const points = await this.#newHistory(job.id, now);
        if (points.length > 0) entry.points = points;
      }
      if (slow) {
        Object.assign(entry, {
          classes: reads.classes,
          reasons: reads.reasons,
          workers: reads.workers,
        });
      }
      jobs[job.name] = entry;
    }
    const message = { id: now, data: JSON.stringify({ at: now, jobs }) };
    this.#latest = message;
    for (const listener of this.#listeners) listener(message);
    return message;
  }

  async #readAll(now: number): Promise<void> {
    this.#jobs = await this.#store.jobs.list();
    const recount = this.#readsDone++ % this.#countsEvery === 0;
    for (const job of this.#jobs) {
      const here = this.#live?.job === job.name ? this.#live.snapshot() : undefined;
      const counts = here && !recount ? this.#reads.get(job.id)?.counts : undefined;
      this.#reads.set(job.id, await readJob(this.#store, job.id, { here, now, counts }));
    }
  }

  // Rows another process saved since the last look (the first look goes back a minute).
  async #newHistory(jobId: number, now: number): Promise<SnapshotRow[]> {
    const since = this.#historySeen.get(jobId) ?? now - 60_000;
    const rows = await this.#store.history.read(jobId, since + 1, 100);
    if (rows.length > 0) this.#historySeen.set(jobId, rows.at(-1)!.at);
    else this.#historySeen.set(jobId, since);
    return rows;
  }

  #start(): void {
    const running = new AbortController();
    this.#running = running;
    this.#ticks = 0;
    (async () => {
      while (!running.signal.aborted) {
        // A busy database skips one message; the next tick tries again.
        await this.tick().catch(() => {});
        await this.#clock.sleep(this.#everyMs, running.signal).catch(() => {});
      }
    })();
  }
}
