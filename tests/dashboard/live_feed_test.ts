import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { type FeedMessage, LiveFeed } from "../../lib/dashboard/live_feed.ts";
import type { LiveRun } from "../../lib/dashboard/live_run.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import type { StatusView } from "../../lib/store/store.ts";
import { FakeClock } from "../../lib/util/clock.ts";
import { seeded } from "./_seeded.ts";

/** A store whose reads are counted, by repository and method. */
function countingStore(store: StatusView): { store: StatusView; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const wrap = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(object, key) {
        const value = Reflect.get(object, key, object);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          reads.set(`${name}.${String(key)}`, (reads.get(`${name}.${String(key)}`) ?? 0) + 1);
          return value.apply(object, args);
        };
      },
    });
  return {
    store: {
      url: store.url,
      jobs: wrap("jobs", store.jobs),
      queue: wrap("queue", store.queue),
      history: wrap("history", store.history),
      reports: wrap("reports", store.reports),
      workers: wrap("workers", store.workers),
      close: () => store.close(),
    },
    reads,
  };
}

/** A live run of job "demo" whose snapshots are counted. */
function countedLive(clock: FakeClock): { live: LiveRun; snapshots: () => number } {
  const stats = new RunStats({ total: 3, done: 1, failed: 1 }, () => clock.now());
  const limiter = new RateLimiter({ windows: [{ limit: 10, periodMs: 1000 }], clock });
  let snapshots = 0;
  const live: LiveRun = {
    job: "demo",
    snapshot: () => (snapshots++, stats.snapshot()),
    limiter: () => limiter,
    concurrency: () => 4,
    rate: () => "10/s",
  };
  return { live, snapshots: () => snapshots };
}

Deno.test("LiveFeed makes each second's message once and hands the same text to every page", async () => {
  const seed = await seeded();
  const { store, reads } = countingStore(seed.store);
  const clock = new FakeClock(10_000);
  const { live, snapshots } = countedLive(clock);
  const feed = new LiveFeed({ store, live, clock, everyMs: 1000, slowEvery: 5, countsEvery: 1 });
  const received: FeedMessage[][] = [[], [], []];
  const stops = received.map((list) => feed.subscribe((m) => list.push(m)));
  for (let s = 0; s < 10; s++) await clock.tick(1000);
  stops.forEach((stop) => stop());
  assert.equal(feed.listeners, 0);
  // One message per second (the first at once), the same object for every page.
  const messages = received[0]!;
  assert.equal(messages.length, 11);
  assert.deepEqual(received[1], messages);
  assert.ok(received[2]!.every((m, i) => m === messages[i]));
  // The running job's figures come from memory: one snapshot a message (and one per read of
  // the database, for its worker), whatever the number of pages.
  assert.equal(snapshots(), 11 + 3);
  // The database is read every fifth message only, and history never for the running job.
  assert.equal(reads.get("jobs.list"), 3);
  assert.equal(reads.get("queue.counts"), 3);
  assert.equal(reads.get("history.read"), undefined);
  const first = JSON.parse(messages[0]!.data);
  assert.equal(first.jobs.demo.total, 3);
  assert.equal(first.jobs.demo.fields["limiter.configured"], "10/s · burst 1");
  assert.equal(first.jobs.demo.point.concurrency, 4);
  assert.ok(first.jobs.demo.workers, "the slow part comes with the first message");
  const second = JSON.parse(messages[1]!.data);
  assert.equal(second.jobs.demo.workers, undefined);
  assert.equal(second.jobs.demo.point.at, 11_000);
  // After the last page leaves, nothing is computed any more.
  await clock.tick(5000);
  assert.equal(messages.length, 11);
  assert.equal(clock.sleepers, 0);
  seed.store.close();
});

Deno.test("LiveFeed keeps the running job's points for pages opened later and reconnecting", async () => {
  const { store } = await seeded();
  const clock = new FakeClock(10_000);
  const { live } = countedLive(clock);
  const feed = new LiveFeed({ store, live, clock, keep: 3 });
  const stop = feed.subscribe(() => {});
  for (let s = 0; s < 5; s++) await clock.tick(1000);
  stop();
  assert.deepEqual(feed.recent().map((p) => p.at), [13_000, 14_000, 15_000]);
  assert.deepEqual(feed.recent(13_500).map((p) => p.at), [14_000, 15_000]);
  const catchUp = JSON.parse((await feed.catchUp(13_500))!.data);
  assert.deepEqual(catchUp.jobs.demo.points.map((p: { at: number }) => p.at), [14_000, 15_000]);
  assert.equal(await feed.catchUp(15_000), undefined);
  store.close();
});

Deno.test("LiveFeed sends the history rows other processes save, each once", async () => {
  const { store, jobId } = await seeded();
  const clock = new FakeClock(100_000);
  const feed = new LiveFeed({ store, clock, slowEvery: 1 });
  const point = { done: 1, failed: 0, sent: 1, throttled: 0, retried: 0, rate: 1 };
  await store.history.add(jobId, { ...point, at: 99_000, p50Ms: 1, p95Ms: 2 });
  const first = JSON.parse((await feed.tick()).data);
  assert.deepEqual(first.jobs.demo.points.map((p: { at: number }) => p.at), [99_000]);
  assert.equal(first.jobs.demo.state, "not running");
  assert.equal(JSON.parse((await feed.tick()).data).jobs.demo.points, undefined);
  await store.history.add(jobId, { ...point, at: 101_000, p50Ms: 1, p95Ms: 2 });
  const third = JSON.parse((await feed.tick()).data);
  assert.deepEqual(third.jobs.demo.points.map((p: { at: number }) => p.at), [101_000]);
  // A page that was away since 99,500 gets the rows saved after it, from the database.
  const catchUp = JSON.parse((await feed.catchUp(99_500))!.data);
  assert.deepEqual(catchUp.jobs.demo.points.map((p: { at: number }) => p.at), [101_000]);
  assert.equal(await feed.catchUp(101_000), undefined);
  store.close();
});

Deno.test("dashboard SSE streams end after their count and resume a page from Last-Event-ID", async () => {
  const { store } = await seeded();
  const clock = new FakeClock(Date.now());
  const { live } = countedLive(clock);
  const app = createDashboard({ store, live, eventsMs: 1, eventsPerStream: 3 });
  const text = await (await app.request("/events")).text();
  const events = text.split("\n\n").filter((e) => e.startsWith("event: stats"));
  assert.equal(events.length, 3);
  assert.match(events[0]!, /\nretry: 1000$/);
  const ids = events.map((e) => Number(/\nid: (\d+)/.exec(e)![1]));
  assert.ok(ids.every((id, i) => i === 0 || id >= ids[i - 1]!), String(ids));
  // A page coming back says what it saw last; it first gets every point since: the
  // history row saved at 3,000 (seeded), then the running job's points kept in memory.
  const again = await app.request("/events", { headers: { "last-event-id": "0" } });
  const first = (await again.text()).split("\n").find((l) => l.startsWith("data: "))!;
  assert.deepEqual(
    JSON.parse(first.slice(6)).jobs.demo.points.map((p: { at: number }) => p.at),
    [3000, clock.now()],
  );
  // A tab shown again asks with ?since= (it opens a new stream): the same catch-up.
  const shown = await app.request(`/events?since=3000`);
  const data = (await shown.text()).split("\n").find((l) => l.startsWith("data: "))!;
  assert.deepEqual(
    JSON.parse(data.slice(6)).jobs.demo.points.map((p: { at: number }) => p.at),
    [clock.now()],
  );
  store.close();
});

Deno.test("LiveFeed counts the running job by state every countsEvery reads, its figures from memory between", async () => {
  const seed = await seeded();
  const { store, reads } = countingStore(seed.store);
  const clock = new FakeClock(10_000);
  const { live } = countedLive(clock);
  const feed = new LiveFeed({ store, live, clock, everyMs: 1000, slowEvery: 5, countsEvery: 2 });
  const messages: FeedMessage[] = [];
  const stop = feed.subscribe((m) => messages.push(m));
  for (let s = 0; s < 10; s++) await clock.tick(1000);
  stop();
  // Three reads of the database (messages 0, 5 and 10); the counts at the first and third only.
  assert.equal(reads.get("jobs.list"), 3);
  assert.equal(reads.get("queue.counts"), 2);
  // Between two counts the figures still move with the run (done and total from memory).
  const last = JSON.parse(messages.at(-1)!.data).jobs.demo;
  assert.equal(last.total, 3);
  assert.equal(typeof last.fields.done, "string");
  seed.store.close();
});
