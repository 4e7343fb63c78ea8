/**
 * What sluice shows is true, in trouble and after the run (issue 22), with
 * the CLI as a process against local servers it has not been written for:
 * a dead API that answers 503 with no Retry-After, an outage of 503s with
 * Retry-After, a server that answers in 40 ms, and a pause from the dashboard.
 */
import assert from "node:assert/strict";
import { sluice, SluiceProcess, writeQueries } from "../_sluice_process.ts";

const TOKEN = "t0ken-for-the-trouble-test";

/** A local server answering each request with `answer(n)`, n counting from 1. */
function serve(answer: (n: number) => Response | Promise<Response>) {
  let n = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => answer(++n),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/api`,
    requests: () => n,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "sluice_trouble_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Resolves once `check` holds, checking every 50 ms; rejects after `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The live job of `sluice run --dashboard`, as `/api/jobs` gives it. */
async function liveJob(origin: string) {
  const res = await fetch(`${origin}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()).jobs[0];
}

/** `sluice run <dir>/q.jsonl --url <url> --db <db>` and `flags`. */
function runArgs(dir: string, url: string, db: string, ...flags: string[]): string[] {
  return ["run", `${dir}/q.jsonl`, "--url", url, "--db", db, ...flags];
}

/** `sluice run ... --dashboard 0 --token T` started; resolves with it and the dashboard's origin. */
async function runWithDashboard(args: string[]) {
  const run = new SluiceProcess([...args, "--dashboard", "0", "--token", TOKEN]);
  const line = await run.waitFor(/dashboard on/);
  return { run, origin: /dashboard on (http:\/\/[\d.:]+)/.exec(line)![1]! };
}

Deno.test("a dead API of 503s without Retry-After: failed within the bound, no Retry-After said, status names the 503", async () => {
  await using dir = await tempDir();
  await using api = serve(() => new Response("down", { status: 503 }));
  await writeQueries(`${dir.path}/q.jsonl`, 1);
  const db = `file:${dir.path}/s.db`;
  const started = Date.now();
  const run = new SluiceProcess(runArgs(dir.path, api.url, db));
  // While it waits: status says why, and since when.
  await until("the API has answered twice", () => api.requests() >= 2);
  const during = await sluice(["status", "--db", db]);
  assert.match(
    during.stdout,
    /^ {2}1 (waiting|claimed by a worker): last answer 503, \d attempts?, since \d\d:\d\d:\d\d UTC/m,
  );
  const exit = await run.exited;
  const took = Date.now() - started;
  assert.equal(exit.code, 1, exit.stderr);
  // The README's bound for one item: 15 s of cooldowns (1 + 2 + 4 + 8), and the process's start.
  assert.ok(took < 15_000 + 10_000, `${took} ms`);
  assert.equal(api.requests(), 5);
  assert.doesNotMatch(exit.stderr, /Retry-After/);
  assert.match(exit.stderr, /0 throttled \(429\), 5 unavailable \(503\)/);
  assert.match(exit.stderr, /^ {2}1 × http 503 \(after 5 attempts\)$/m);
  const after = await sluice(["status", "--db", db]);
  assert.match(after.stdout, /^ {2}failed by last error: 5xx 1$/m);
  assert.match(after.stdout, /^ {2}1 × http 503 \(after 5 attempts\)$/m);
  assert.match(after.stdout, /^ {4}sent 5 \(503: 5\)/m);
  assert.match(after.stdout, /cooled down 5 times/);
  assert.doesNotMatch(after.stdout, /Retry-After/);
});

Deno.test("an outage of 503s with Retry-After is counted as unavailable: 0 counted as 429", async () => {
  await using dir = await tempDir();
  // The first 6 requests meet the outage: 503 with Retry-After: 1.
  await using api = serve((n) =>
    n <= 6
      ? new Response("outage", { status: 503, headers: { "retry-after": "1" } })
      : Response.json({ ok: true })
  );
  await writeQueries(`${dir.path}/q.jsonl`, 20);
  const db = `file:${dir.path}/s.db`;
  const exit = await sluice(runArgs(dir.path, api.url, db, "--rate", "none"));
  assert.equal(exit.code, 0, exit.stderr);
  const unavailable = Number(/(\d+) unavailable \(503\)/.exec(exit.stderr)?.[1]);
  assert.equal(unavailable, 6, exit.stderr);
  assert.match(exit.stderr, /0 throttled \(429\)/);
  assert.match(exit.stderr, /for a Retry-After/);
  const status = JSON.parse((await sluice(["status", "--db", db, "--json"])).stdout);
  const lastRun = status.jobs[0].lastRun;
  assert.equal(lastRun.throttled, 0);
  assert.equal(lastRun.unavailable, unavailable);
  assert.equal(lastRun.byStatus["429"], undefined);
});

Deno.test("a server that answers in 40 ms reads 40 ms: p50 within 10%, live and after the run", async () => {
  await using dir = await tempDir();
  await using api = serve(async () => {
    await new Promise((resolve) => setTimeout(resolve, 40));
    return Response.json({ ok: true });
  });
  await writeQueries(`${dir.path}/q.jsonl`, 120);
  const db = `file:${dir.path}/s.db`;
  const { run, origin } = await runWithDashboard(
    runArgs(dir.path, api.url, db, "--rate", "20/s", "--concurrency", "4"),
  );
  let live: number;
  try {
    await until("40 answers", () => api.requests() >= 40);
    live = (await liveJob(origin)).live.recentMs.p50;
  } finally {
    const exit = await run.exited;
    assert.equal(exit.code, 0, exit.stderr);
  }
  const status = JSON.parse((await sluice(["status", "--db", db, "--json"])).stdout);
  const p50 = status.jobs[0].lastRun.latency.p50;
  // The truth: each answer's time as sluice measured and stored it. A busy machine adds to
  // every answer (the server's timer, the event loops: 41-45 ms at a load of 2, 55 ms at 16):
  // 40 ms is a floor, and the figures shown are held to the measured median.
  const rows = await sluice([
    "sql",
    "--db",
    db,
    "--format",
    "json",
    "SELECT duration_ms AS ms FROM responses ORDER BY ms",
  ]);
  const durations = (JSON.parse(rows.stdout) as { ms: number }[]).map((r) => r.ms);
  const median = durations[Math.ceil(durations.length / 2) - 1]!;
  assert.ok(median >= 40 && median < 40 * 2, `median ${median} ms`);
  // Live: the last 10 s's answers, not the run's; 40 ms at least, and no bucket edge far above.
  assert.ok(live >= 40 && live < 40 * 2, `live p50 ${live} ms`);
  // p50 over the whole run within 10% of the measured median (a bucket's edge was up to 5% off,
  // and the since-start figure stood for the last seconds').
  assert.ok(Math.abs(p50 - median) <= 0.1 * median, `p50 ${p50} ms, median ${median} ms`);
  assert.ok(Math.abs(p50 - median) <= 0.02 * median, `p50 ${p50} ms, median ${median} ms`);
});

Deno.test("paused from the dashboard, the job shows sending 0/s within 2 s", async () => {
  await using dir = await tempDir();
  await using api = serve(() => Response.json({ ok: true }));
  await writeQueries(`${dir.path}/q.jsonl`, 400);
  const { run, origin } = await runWithDashboard(
    runArgs(dir.path, api.url, `file:${dir.path}/s.db`, "--rate", "20/s"),
  );
  const events = await fetch(`${origin}/events`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  /** The `fields` of the job in the next stats event. */
  const nextFields = async (): Promise<Record<string, string>> => {
    while (true) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        const fields = data && Object.values(JSON.parse(data).jobs)[0] as {
          fields?: Record<string, string>;
        };
        if (fields && fields.fields) return fields.fields;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      buffer += value;
    }
  };
  try {
    await until("30 requests", () => api.requests() >= 30);
    // Sending, as the page shows it (events made before the first request said 0/s).
    while ((await nextFields()).sendRate === "0/s") {
      if (api.requests() >= 300) throw new Error("never shown sending");
    }
    const res = await fetch(`${origin}/api/pause`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    const paused = Date.now();
    let fields = await nextFields();
    while (fields.sendRate !== "0/s") fields = await nextFields();
    const shownAfter = Date.now() - paused;
    assert.ok(shownAfter <= 2_000, `0/s shown ${shownAfter} ms after the pause`);
    assert.equal(fields["limiter.sending"], "0/s");
    assert.equal(fields.state, "paused");
    // And the figure itself, not only its display: nothing sent in the last two seconds.
    await until(
      "the send rate is 0",
      async () => (await liveJob(origin)).live.sendRate === 0,
      2_500,
    );
  } finally {
    await reader.cancel();
    run.child.kill("SIGTERM");
    await run.exited;
  }
});
