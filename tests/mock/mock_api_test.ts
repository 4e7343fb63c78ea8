import assert from "node:assert/strict";
import { createMockApi, type MockApi, type MockApiOptions } from "../../lib/mock/mock_api.ts";

/** A clock that only moves when told to; `sleep` resolves once `advance` passes its deadline. */
function fakeClock(start = 0) {
  let now = start;
  let timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        timers.push({ at: now + ms, resolve });
      });
    },
    /** Yields to the event loop (no time passes) until `n` sleeps are pending. */
    async sleeping(n: number): Promise<void> {
      for (let i = 0; i < 100 && timers.length < n; i++) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      assert.equal(timers.length, n);
    },
    async advance(ms: number): Promise<void> {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.resolve();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

/** Seeded floats in [0, 1) for the simulated clients. */
function random(seed: number): () => number {
  let a = seed;
  return () => (a = (a * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function mock(options: MockApiOptions = {}, start = 0) {
  const clock = fakeClock(start);
  return { clock, api: createMockApi({ clock, ...options }) };
}

function search(api: MockApi, q: string, headers?: Record<string, string>) {
  return api.app.request("/search", { method: "POST", body: JSON.stringify({ q }), headers });
}

async function statuses(api: MockApi, n: number, q = "x"): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: n }, () => search(api, q)));
  return responses.map((r) => r.status);
}

const ok = (list: number[]) => list.filter((s) => s === 200).length;

Deno.test("createMockApi() answers a search deterministically with 1 to 3 results", async () => {
  const { api } = mock();
  const a = await (await search(api, "deno")).json();
  assert.deepEqual(await (await search(api, "deno")).json(), a);
  assert.equal(a.query, "deno");
  assert.equal(a.results.length, a.count);
  assert.deepEqual(a.results[0].rank, 1);
  assert.match(a.results[0].url, /^https:\/\/example\.test\//);
  const counts = new Set<number>();
  for (let i = 0; i < 30; i++) counts.add((await (await search(api, `q${i}`)).json()).count);
  assert.deepEqual([...counts].sort(), [1, 2, 3]);
  const get = await api.app.request("/search?q=deno");
  assert.deepEqual(await get.json(), a);
});

Deno.test("createMockApi() answers 400 to a bad body and echoes /echo", async () => {
  const { api } = mock();
  for (const body of ["{not json", "[1]", '{"q":1}', '{"q":""}', "{}"]) {
    const res = await api.app.request("/search", { method: "POST", body });
    assert.equal(res.status, 400, body);
    assert.equal(typeof (await res.json()).error, "string");
  }
  assert.equal((await api.app.request("/search")).status, 400);
  const echo = await api.app.request("/echo", {
    method: "POST",
    body: '{"a":1}',
    headers: { "content-type": "application/json" },
  });
  assert.equal(echo.status, 200);
  assert.equal(echo.headers.get("content-type"), "application/json");
  assert.equal(await echo.text(), '{"a":1}');
  assert.deepEqual(api.stats.byStatus, { "400": 6, "200": 1 });
});

Deno.test("createMockApi() window mode answers exactly rate per fixed second", async () => {
  const { api, clock } = mock({ rate: 5 });
  assert.deepEqual(await statuses(api, 8), [200, 200, 200, 200, 200, 429, 429, 429]);
  await clock.advance(999);
  const late = await search(api, "x");
  assert.equal(late.status, 429);
  assert.equal(late.headers.get("retry-after"), "1");
  await clock.advance(1);
  assert.equal(ok(await statuses(api, 6)), 5);
  assert.equal(api.stats.throttled, 5);
  // Random arrivals: each second [k*1000, (k+1)*1000) serves exactly min(rate, arrivals).
  const { api: api2, clock: clock2 } = mock({ rate: 7 });
  const rand = random(3);
  const arrivals = new Map<number, number>(), served = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    await clock2.advance(Math.floor(rand() * 25));
    const k = Math.floor(clock2.now() / 1000);
    arrivals.set(k, (arrivals.get(k) ?? 0) + 1);
    if ((await search(api2, "x")).status === 200) served.set(k, (served.get(k) ?? 0) + 1);
  }
  for (const [k, n] of arrivals) assert.equal(served.get(k) ?? 0, Math.min(7, n), `second ${k}`);
});

Deno.test("createMockApi() bucket mode allows a burst then one per emission interval", async () => {
  const { api, clock } = mock({ rate: 10, burst: 3, limiter: "bucket" });
  assert.deepEqual(await statuses(api, 5), [200, 200, 200, 429, 429]);
  await clock.advance(99);
  assert.deepEqual(await statuses(api, 1), [429]);
  await clock.advance(1);
  assert.deepEqual(await statuses(api, 2), [200, 429]);
  await clock.advance(1000);
  const res = await search(api, "x");
  assert.equal(res.headers.get("ratelimit-policy"), '"default";q=3;w=1');
  assert.equal(res.headers.get("ratelimit"), '"default";r=2;t=1');
  assert.deepEqual(await statuses(api, 3), [200, 200, 429]);
  // Default burst: ceil(rate / 10), here 1: strictly one per 100 ms.
  const { api: strict, clock: clock2 } = mock({ rate: 10, limiter: "bucket" });
  assert.deepEqual(await statuses(strict, 2), [200, 429]);
  await clock2.advance(100);
  assert.deepEqual(await statuses(strict, 2), [200, 429]);
});

Deno.test("createMockApi() enforces several windows at once", async () => {
  const { api, clock } = mock({ rate: 3, windows: [{ limit: 5, periodMs: 10_000 }] });
  assert.deepEqual(await statuses(api, 4), [200, 200, 200, 429]);
  await clock.advance(1000);
  assert.deepEqual(await statuses(api, 2), [200, 200]);
  const res = await search(api, "x");
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "9");
  assert.equal(res.headers.get("ratelimit-policy"), '"default";q=3;w=1, "w1";q=5;w=10');
  assert.equal(res.headers.get("ratelimit"), '"w1";r=0;t=9, "default";r=1;t=1');
  await clock.advance(8999);
  assert.deepEqual(await statuses(api, 1), [429]);
  await clock.advance(1);
  assert.deepEqual(await statuses(api, 4), [200, 200, 200, 429]);
});

Deno.test("createMockApi() single-value headers describe the binding window", async () => {
  const windows = [{ limit: 4, periodMs: 10_000 }];
  const { api, clock } = mock({ rate: 2, windows, headers: "legacy" });
  assert.deepEqual(await statuses(api, 2), [200, 200]);
  await clock.advance(1000);
  // Both policies have 1 left: the one that resets later binds.
  const h = (await search(api, "x")).headers;
  assert.deepEqual([h.get("ratelimit-limit"), h.get("ratelimit-remaining")], ["4", "1"]);
  assert.equal(h.get("ratelimit-reset"), "9");
});

Deno.test("createMockApi() sends each RateLimit header family", async () => {
  const start = 1_700_000_000_250;
  const expected = {
    ietf: { "ratelimit-policy": '"default";q=5;w=1', ratelimit: '"default";r=4;t=1' },
    legacy: { "ratelimit-limit": "5", "ratelimit-remaining": "4", "ratelimit-reset": "1" },
    x: {
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "4",
      "x-ratelimit-reset": "1700000001",
    },
    none: {},
  } as const;
  for (const [family, want] of Object.entries(expected)) {
    const { api } = mock({ rate: 5, headers: family as keyof typeof expected }, start);
    const res = await search(api, "x");
    const got = Object.fromEntries([...res.headers].filter(([k]) => k.includes("ratelimit")));
    assert.deepEqual(got, want, family);
  }
  const { api } = mock();
  assert.equal([...(await search(api, "x")).headers.keys()].join(), "content-type");
});

type Family = "ietf" | "legacy" | "x";

/**
 * A client that obeys the headers: per policy it sends at most `r` requests before `t`
 * seconds pass, then counts on the policy's full quota. Batches are random in size and time.
 */
async function obeyingClient(family: Family, options: MockApiOptions, seconds: number) {
  const start = 1_700_000_000_000;
  const { api, clock } = mock({ ...options, headers: family }, start);
  const rand = random(11);
  const policies = new Map<string, { q: number; budget: number; resetAt: number }>();
  let served = 0;
  while (clock.now() < start + seconds * 1000) {
    let allowed = policies.size === 0 ? 1 : Infinity;
    let wakeAt = 0;
    for (const p of policies.values()) {
      if (clock.now() >= p.resetAt) [p.budget, p.resetAt] = [p.q, Infinity];
      allowed = Math.min(allowed, p.budget);
      if (p.budget <= 0) wakeAt = Math.max(wakeAt, p.resetAt);
    }
    if (allowed <= 0) {
      await clock.advance(wakeAt - clock.now() + Math.floor(rand() * 50));
      continue;
    }
    const n = 1 + Math.floor(rand() * allowed);
    const list = await Promise.all(Array.from({ length: n }, () => search(api, "x")));
    for (const res of list) {
      assert.equal(res.status, 200, `429 at ${clock.now() - start} ms (${family})`);
      served++;
      for (const [name, q, r, resetAt] of readHeaders(family, res.headers, clock.now())) {
        policies.set(name, { q, budget: r, resetAt });
      }
    }
    await clock.advance(Math.floor(rand() * 300));
  }
  return served;
}

function readHeaders(family: Family, h: Headers, now: number): [string, number, number, number][] {
  if (family === "ietf") {
    const q = new Map<string, number>();
    for (const m of h.get("ratelimit-policy")!.matchAll(/"([^"]+)";q=(\d+);w=\d+/g)) {
      q.set(m[1]!, Number(m[2]));
    }
    return [...h.get("ratelimit")!.matchAll(/"([^"]+)";r=(\d+);t=(\d+)/g)]
      .map((m) => [m[1]!, q.get(m[1]!)!, Number(m[2]), now + Number(m[3]) * 1000]);
  }
  const p = family === "x" ? "x-ratelimit-" : "ratelimit-";
  const reset = Number(h.get(p + "reset"));
  const resetAt = family === "x" ? reset * 1000 : now + reset * 1000;
  return [["default", Number(h.get(p + "limit")), Number(h.get(p + "remaining")), resetAt]];
}

Deno.test("createMockApi() never answers 429 to a client that obeys r and t", async () => {
  for (const family of ["ietf", "legacy", "x"] as const) {
    const served = await obeyingClient(family, { rate: 10 }, 60);
    assert.ok(served > 300, `${family}: only ${served} of 600 served`);
    const bucket = await obeyingClient(family, { rate: 10, burst: 4, limiter: "bucket" }, 60);
    assert.ok(bucket > 300, `${family} bucket: only ${bucket} served`);
  }
  const windows = [{ limit: 20, periodMs: 10_000 }, { limit: 50, periodMs: 60_000 }];
  assert.ok(await obeyingClient("ietf", { rate: 5, windows }, 180) >= 100);
  assert.ok(
    await obeyingClient("ietf", { rate: 10, burst: 5, limiter: "bucket", windows }, 180) >= 100,
  );
});

Deno.test("createMockApi() serves the first request after Retry-After, in both forms", async () => {
  const windows = [{ limit: 30, periodMs: 7_000 }];
  for (const retryAfter of ["seconds", "date"] as const) {
    for (const limiter of ["window", "bucket"] as const) {
      const { api, clock } = mock({ rate: 10, burst: 3, limiter, windows, retryAfter }, 1_234);
      const rand = random(5);
      let throttled = 0;
      for (let i = 0; i < 500; i++) {
        const res = await search(api, "x");
        if (res.status === 429) {
          throttled++;
          const value = res.headers.get("retry-after")!;
          const wait = retryAfter === "seconds"
            ? Number(value) * 1000
            : Date.parse(value) - clock.now();
          assert.match(value, retryAfter === "seconds" ? /^[1-9]\d*$/ : /GMT$/);
          assert.ok(wait > 0);
          await clock.advance(wait);
          assert.equal((await search(api, "x")).status, 200, `${retryAfter} ${limiter}`);
        }
        await clock.advance(Math.floor(rand() * 60));
      }
      assert.ok(throttled > 10);
    }
  }
});

Deno.test("createMockApi() answers 503 with Retry-After during an outage", async () => {
  const outages = [{ startMs: 1000, endMs: 3000, retryAfterS: 2 }];
  const { api, clock } = mock({ outages, rate: 100 });
  assert.equal((await search(api, "x")).status, 200);
  await clock.advance(1000);
  const res = await search(api, "x");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "2");
  assert.equal(res.headers.get("ratelimit"), '"default";r=100;t=1');
  await clock.advance(1999);
  assert.equal((await search(api, "x")).status, 503);
  await clock.advance(1);
  assert.equal((await search(api, "x")).status, 200);
  assert.equal(api.stats.faults, 2);
  api.reset();
  assert.equal((await search(api, "x")).status, 200);
});

Deno.test("createMockApi() injects the same faults for the same seed", async () => {
  const run = async (seed: number) => {
    const { api } = mock({ failRate: 0.25, seed });
    const list: number[] = [];
    for (let i = 0; i < 400; i++) list.push((await search(api, `q${i}`)).status);
    return { list, api };
  };
  const a = await run(42), b = await run(42), c = await run(43);
  assert.deepEqual(a.list, b.list);
  assert.notDeepEqual(a.list, c.list);
  const faults = a.list.filter((s) => s >= 500);
  assert.ok(faults.length > 70 && faults.length < 130, `${faults.length} faults`);
  assert.deepEqual(faults.slice(0, 6), [500, 502, 503, 504, 500, 502]);
  assert.equal(a.api.stats.faults, faults.length);
  a.api.reset();
  assert.equal(a.api.stats.requests, 0);
  const again = [];
  for (let i = 0; i < 400; i++) again.push((await search(a.api, `q${i}`)).status);
  assert.deepEqual(again, a.list);
});

Deno.test("createMockApi() drops connections at resetRate", async () => {
  const { api } = mock({ resetRate: 1 });
  const res = await search(api, "x");
  await assert.rejects(res.text(), TypeError);
  assert.deepEqual(api.stats.byStatus, { reset: 1 });
  assert.equal(api.stats.faults, 1);
});

Deno.test("createMockApi() delays answers on the injected clock", async () => {
  const { api, clock } = mock({ latencyMs: 100, slowRate: 1, slowMs: 50 });
  let done = false;
  const pending = Promise.resolve(search(api, "x")).then((r) => (done = true, r));
  await clock.sleeping(1);
  await clock.advance(149);
  assert.equal(done, false);
  await clock.advance(1);
  assert.equal((await pending).status, 200);
});

Deno.test("createMockApi() records keys and duplicates, unlimited and uncounted", async () => {
  const { api } = mock({ record: true, rate: 2 });
  await search(api, "a");
  await search(api, "b", { "Idempotency-Key": "k1" });
  await search(api, "a"); // 429: counted in keys, not served
  for (let i = 0; i < 5; i++) assert.equal((await api.app.request("/_mock/stats")).status, 200);
  assert.deepEqual(Object.fromEntries(api.keys), { a: 2, k1: 1 });
  assert.deepEqual(await (await api.app.request("/_mock/keys")).json(), { a: 2, k1: 1 });
  const stats = await (await api.app.request("/_mock/stats")).json();
  assert.equal(stats.requests, 3);
  assert.equal(stats.throttled, 1);
  assert.deepEqual(stats.byStatus, { "200": 2, "429": 1 });
  assert.deepEqual(stats.keys, { distinct: 2, duplicates: 1 });
  assert.deepEqual(stats.served, { distinct: 2, duplicates: 0 });
  const { api: quiet } = mock();
  await search(quiet, "a");
  assert.equal(quiet.keys.size, 0);
  assert.equal((await quiet.app.request("/_mock/keys")).status, 404);
  assert.equal((await (await quiet.app.request("/_mock/stats")).json()).keys, undefined);
});

Deno.test("createMockApi() rejects bad options with RangeError", () => {
  assert.throws(() => createMockApi({ rate: -1 }), RangeError);
  assert.throws(() => createMockApi({ rate: 2.5 }), RangeError);
  assert.throws(() => createMockApi({ rate: 10, burst: 0, limiter: "bucket" }), RangeError);
  assert.throws(() => createMockApi({ failRate: 2 }), RangeError);
  assert.throws(() => createMockApi({ windows: [{ limit: 0, periodMs: 1000 }] }), RangeError);
  createMockApi({ rate: 2.5, limiter: "bucket" });
});
