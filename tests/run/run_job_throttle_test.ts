import assert from "node:assert/strict";
import { FakeClock } from "../../lib/util/clock.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { runJob } from "../../lib/run/run_job.ts";
import { api, drive, FAST, itemRows, ok, reply, setup, withMsw } from "./_run_job_fixtures.ts";

Deno.test("runJob() pauses the whole job for a 429's Retry-After in seconds", async () => {
  const clock = new FakeClock(Date.parse("2025-03-01T12:00:00Z"));
  const limiter = new RateLimiter({ clock });
  const { store, job, template, db } = await setup(["a", "b"]);
  const mock = api({ a: [reply(429, { "retry-after": "3" }), ok] }, clock);
  await withMsw([mock.handler], async () => {
    const run = runJob(store, job, template, { ...FAST, concurrency: 1, clock, limiter });
    await drive(clock, run);
    const [first, ...later] = mock.seen;
    assert.equal(first!.q, "a");
    assert.ok(limiter.cooldownUntil >= first!.at + 3000);
    // Neither the throttled item nor any other one went out before the cooldown ended.
    assert.deepEqual(later.map((s) => s.q).sort(), ["a", "b"]);
    for (const s of later) assert.ok(s.at >= limiter.cooldownUntil, `${s.q} sent at ${s.at}`);
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.throttled, i.sends]), [
      ["done", 1, 1, 2],
      ["done", 1, 0, 1],
    ]);
  }, store);
});

Deno.test("runJob() pauses the whole job until a 429's Retry-After HTTP date", async () => {
  const clock = new FakeClock(Date.parse("2025-03-01T12:00:00Z"));
  const limiter = new RateLimiter({ clock });
  const until = new Date(clock.now() + 5000).toUTCString();
  const { store, job, template } = await setup(["a", "b"]);
  const mock = api({ a: [reply(429, { "retry-after": until }), ok] }, clock);
  await withMsw([mock.handler], async () => {
    await drive(clock, runJob(store, job, template, { ...FAST, concurrency: 1, clock, limiter }));
    assert.equal(limiter.cooldownUntil, Date.parse(until));
    const later = mock.seen.slice(1);
    assert.equal(later.length, 2);
    for (const s of later) assert.ok(s.at >= Date.parse(until), `${s.q} sent at ${s.at}`);
  }, store);
});

Deno.test("runJob() throttles a 503 with Retry-After and retries one without", async () => {
  const { store, job, template, db } = await setup(["a", "b"]);
  const mock = api({ a: [reply(503, { "retry-after": "0" }), ok], b: [reply(503), ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, FAST);
    const items = await itemRows(db);
    assert.deepEqual(items.map((i) => [i.status, i.attempts, i.throttled]), [
      ["done", 1, 1],
      ["done", 2, 0],
    ]);
  }, store);
});

Deno.test("runJob() does not count 429s against maxAttempts", async () => {
  const { store, job, template, db } = await setup(["a"]);
  const throttled = reply(429, { "retry-after": "0" });
  const mock = api({ a: [throttled, throttled, throttled, throttled, ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxAttempts: 1 });
    const [item] = await itemRows(db);
    assert.deepEqual([item!.status, item!.attempts, item!.throttled, item!.sends], [
      "done",
      1,
      4,
      5,
    ]);
  }, store);
});

Deno.test("runJob() with maxThrottled 3 sends an item that only gets 429s 3 times, then fails it", async () => {
  const { store, job, template, db } = await setup(["a"]);
  const mock = api({ a: [reply(429, { "retry-after": "0" })] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxThrottled: 3 });
    assert.equal(mock.seen.length, 3);
    const [item] = await itemRows(db);
    assert.deepEqual([item!.status, item!.last_status, item!.last_error], [
      "failed",
      429,
      "http 429 (throttled 3 times)",
    ]);
  }, store);
});

Deno.test("runJob() with maxThrottled 3 finishes an item whose third answer is its first 2xx", async () => {
  const { store, job, template, db } = await setup(["a"]);
  const throttled = reply(429, { "retry-after": "0" });
  const mock = api({ a: [throttled, throttled, ok] });
  await withMsw([mock.handler], async () => {
    await runJob(store, job, template, { ...FAST, maxThrottled: 3 });
    assert.equal(mock.seen.length, 3);
    const [item] = await itemRows(db);
    assert.deepEqual([item!.status, item!.throttled], ["done", 2]);
  }, store);
});
