import assert from "node:assert/strict";
import { FakeClock } from "../../lib/util/clock.ts";
import { budgetScope, persistedWindows, RateBudget } from "../../lib/rate/rate_budget.ts";
import { RateLimiter } from "../../lib/rate/rate_limiter.ts";
import { parseRate } from "../../lib/rate/rate_spec.ts";
import { createRunLimiter } from "../../lib/rate/create_run_limiter.ts";
import { openStore } from "../../lib/store/store.ts";

const DAY = 86_400_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % DAY); // midnight UTC

async function withDb(fn: (url: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "sluice-budget-" });
  try {
    await fn(`file:${dir}/budget.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One "run": a limiter on its own store connection, `n` grants, then a clean close. */
async function run(url: string, clock: FakeClock, n: number, tickMs: number) {
  const store = await openStore(url);
  const day = { limit: 5, periodMs: DAY };
  const limiter = new RateLimiter({
    windows: [{ limit: 100, periodMs: 1000 }, day],
    clock,
    budget: new RateBudget(store.budget, "https://api.example.com", [day]),
  });
  const times: number[] = [];
  const all = Promise.all(
    Array.from({ length: n }, () => limiter.acquire().then(() => times.push(clock.now() - T0))),
  );
  for (let t = 0; t < tickMs; t += 10) {
    await clock.tick(10);
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the database answer
  }
  await all.catch(() => {});
  await limiter.close();
  store.close();
  return times;
}

Deno.test("A daily budget holds across runs: a second run only gets what is left", async () => {
  await withDb(async (url) => {
    const clock = new FakeClock(T0);
    assert.deepEqual(await run(url, clock, 3, 100), [0, 10, 20]);
    // An hour later, another run on another connection: 2 of 5 are left today.
    await clock.tick(3_600_000 - 100);
    const second = await run(url, clock, 2, 100);
    assert.deepEqual(second, [3_600_000, 3_600_010]);
    // A third run must wait until the first second of usage leaves the 24-hour window.
    const store = await openStore(url);
    const budget = new RateBudget(store.budget, "https://api.example.com", [
      { limit: 5, periodMs: DAY },
    ]);
    assert.equal(await budget.reserve(clock.now()), T0 + DAY + 1000);
    assert.equal(await budget.reserve(T0 + DAY + 1000), 0);
    assert.equal(budget.reserved, 1); // a chunk is 1% of the limit, at least 1
    store.close();
  });
});

Deno.test("RateBudget reserves in chunks, gives back the unused, and over-counts on a crash", async () => {
  await withDb(async (url) => {
    const store = await openStore(url);
    const windows = [{ limit: 1000, periodMs: DAY }];
    const budget = new RateBudget(store.budget, "s", windows, { chunk: 10 });
    assert.equal(await budget.reserve(T0), 0);
    assert.ok(budget.take());
    assert.equal(budget.reserved, 9);
    await budget.close(); // a clean stop gives 9 back
    const used = async () =>
      (await store.budget.usage("s", T0 - DAY)).reduce((sum, r) => sum + r.used, 0);
    assert.equal(await used(), 1);
    const crashed = new RateBudget(store.budget, "s", windows, { chunk: 10 });
    await crashed.reserve(T0 + 5);
    crashed.take();
    // No close(): the whole chunk stays counted, the safe side for a budget.
    assert.equal(await used(), 11);
    // Other scopes are counted apart.
    assert.deepEqual(await store.budget.usage("other", 0), []);
    store.close();
  });
});

Deno.test("RateBudget counts every window and never goes over any", async () => {
  const rows = new Map<number, number>();
  const fake = {
    usage: (_scope: string, since: number) =>
      Promise.resolve([...rows].filter(([at]) => at >= since).map(([at, used]) => ({ at, used }))),
    addUsage: (_scope: string, at: number, delta: number) => {
      rows.set(at, Math.max(0, (rows.get(at) ?? 0) + delta));
      return Promise.resolve();
    },
  };
  const budget = new RateBudget(fake, "s", [
    { limit: 3, periodMs: 3_600_000 },
    { limit: 4, periodMs: DAY },
  ], { chunk: 2 });
  let granted = 0;
  for (let i = 0; i < 10; i++) {
    if (budget.take() || (await budget.reserve(0)) === 0 && budget.take()) granted++;
  }
  assert.equal(granted, 3);
  // An hour later the hourly window has room; the daily one has 1 left.
  assert.equal(await budget.reserve(3_601_000), 0);
  assert.equal(budget.reserved, 1);
  assert.throws(() => new RateBudget(fake, "s", [{ limit: 0.5, periodMs: DAY }]), RangeError);
});

Deno.test("budgetScope() and persistedWindows() pick what the database keeps", () => {
  assert.equal(
    budgetScope("https://API.example.com:8443/x/{{q}}", "j"),
    "https://api.example.com:8443",
  );
  assert.equal(budgetScope("{{base}}/search", "j"), "job:j");
  const spec = parseRate("20/s,1000/min,50000/day");
  assert.deepEqual(
    persistedWindows(spec.kind === "windows" ? spec.windows : []),
    [{ limit: 50000, periodMs: DAY }],
  );
});

Deno.test("createRunLimiter() keeps a daily budget in the job's database", async () => {
  await withDb(async (url) => {
    const store = await openStore(url);
    const job = { name: "j", request: { url: "http://127.0.0.1:9/search" } };
    const rate = parseRate("100/s,2/day");
    const limiter = createRunLimiter(store.budget, job, { rate, breaker: false });
    // The first request goes alone until answered (to learn the server's headers).
    const first = await limiter.acquire();
    limiter.observe(first, { status: 200, headers: undefined, now: Date.now() });
    await limiter.acquire();
    const stop = new AbortController();
    const third = limiter.acquire(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort(new Error("no budget left"));
    await assert.rejects(third, /no budget left/);
    await limiter.close();
    const usage = await store.budget.usage("http://127.0.0.1:9", 0);
    assert.equal(usage.reduce((sum, r) => sum + r.used, 0), 2);
    store.close();
  });
});
