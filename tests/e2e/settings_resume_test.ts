/**
 * The run settings' table, walked: for every setting a job saves, a job
 * started with a value other than the default, stopped, and resumed with
 * only `--db` and `--job` behaves as the first run did, checked at a local
 * server and in the database. A setting added to the table later fails here
 * until it declares, in SCENARIOS, how its resume is checked.
 */
import assert from "node:assert/strict";
import { buildProgram } from "../../cli/program.ts";
import { reportError } from "../../cli/main.ts";
import { flagName } from "../../lib/run/resolve_settings.ts";
import { runSettingList } from "../../lib/run/run_settings.ts";
import { savedSettings } from "../../lib/run/saved_settings.ts";
import { openSqlClient } from "../../lib/store/sql_client.ts";
import { openStore } from "../../lib/store/store.ts";

/** A request the server saw. */
interface Seen {
  at: number;
  path: string;
  headers: Headers;
  /** Requests in flight when it arrived, itself included. */
  inflight: number;
}

/** What the resumed run did. */
interface Resumed {
  /** The requests it sent, in order. */
  requests: Seen[];
  code: number;
  stderr: string;
  /** What the job saved after it. */
  options: Record<string, unknown>;
  /** The keys of the settings the job holds after it, as `status` reads them. */
  saved: string[];
  /** Runs SQL over the job's database. */
  sql: (query: string) => Promise<unknown[][]>;
  /** The job's items: key, status, attempts, last error, next_at - updated. */
  items: () => Promise<{ key: string; status: string; attempts: number; error: string | null }[]>;
}

/** How a resume with one setting is checked. */
interface Scenario {
  /** The first run's flags: the setting at a value other than its default, and what the check needs. */
  args: string[];
  /** How the server answers (`n`: how many requests it had seen before this one). @default 200 */
  answer?: (request: Request, n: number) => Response | Promise<Response>;
  /** How many queries the job has. @default {ITEMS} */
  items?: number;
  /** The URL's path. @default "/q" */
  path?: string;
  /** Done between the runs, on the database. @default nothing */
  between?: (sql: (query: string) => Promise<unknown>) => Promise<void>;
  /** Flags given to the resumed run besides --db and --job. @default none */
  resumeArgs?: string[];
  /** Stops the resumed run once this holds of its requests. @default never (it runs to the end) */
  stopResumedWhen?: (requests: Seen[]) => boolean;
  /** Asserts what the first run's value makes the resumed run do (the default would not). */
  check: (resumed: Resumed) => void | Promise<void>;
}

const ITEMS = 6;
/** No pacing, one at a time: the first run sends one item before it stops. */
const FAST = ["--rate", "none", "--concurrency", "1"];
const OK = () => Response.json({ ok: true });
const FAIL = () => new Response("down", { status: 500 });
/** Answers each item's first request with `first`, every later one with 200. */
const firstThen = (first: () => Response) => {
  const seen = new Set<string>();
  return async (request: Request) => {
    const key = (await request.text()) || new URL(request.url).search;
    if (seen.has(key)) return OK();
    seen.add(key);
    return first();
  };
};
/** An `{{env.NAME}}` value, echoed by the server (for --keep-secrets). */
const SECRET_VARIABLE = "SLUICE_SETTINGS_WALK_SECRET";
const SECRET = "s3cr3t-walk-value";
Deno.env.set(SECRET_VARIABLE, SECRET);
const SCHEMA = "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, q TEXT)";
const INTO = "INSERT OR REPLACE INTO seen SELECT :key, json_extract(:vars, '$.q')";
const PROCESSOR = await Deno.makeTempFile({ prefix: "sluice_processor_", suffix: ".ts" });
await Deno.writeTextFile(
  PROCESSOR,
  `export default {
  tables: { seen: { columns: { key: "TEXT", q: "TEXT" }, key: ["key"] } },
  process: (answer, query) => ({ seen: [{ key: answer.key, q: query.q }] }),
};
`,
);
/** A processor that never settles: only its time limit ends each answer. */
const HANGING = await Deno.makeTempFile({ prefix: "sluice_processor_", suffix: ".ts" });
await Deno.writeTextFile(
  HANGING,
  `export default {
  tables: { seen: { columns: { key: "TEXT" }, key: ["key"] } },
  process: () => new Promise(() => {}),
};
`,
);
/** Answers page N (`?page=N`, 1 without) with a Link header naming page N + 1, up to `last`. */
const linkedPages = (last: number) => (request: Request) => {
  const page = Number(new URL(request.url).searchParams.get("page") ?? 1);
  const link = page < last ? { link: `</q?page=${page + 1}>; rel="next"` } : undefined;
  return Response.json({ page }, link ? { headers: link } : {});
};
/** Another origin (another port), where a first page's answer sends the second page. */
const OTHER = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => Response.json({ page: 2 }),
);
const count = async (resumed: Resumed, table: string) =>
  Number((await resumed.sql(`SELECT count(*) FROM ${table}`))[0]![0]);
const span = (requests: Seen[]) => requests.at(-1)!.at - requests[0]!.at;

/** Every saved setting of the table, by key, with how its resume is checked. */
const SCENARIOS: Record<string, Scenario> = {
  rate: {
    args: ["--rate", "4/s"],
    // 4/s spaces requests 250 ms apart; the default 10/s, 100 ms.
    check: ({ requests }) => {
      assert.ok(requests.length >= 3, `${requests.length} requests`);
      assert.ok(span(requests) >= (requests.length - 1) * 200, `${span(requests)} ms`);
    },
  },
  burst: {
    args: ["--rate", "5/s", "--burst", "5"],
    items: 12,
    // Five at once, then 5/s; with the default burst of 1, the first four take 600 ms.
    check: ({ requests }) => {
      assert.ok(requests.length >= 4, `${requests.length} requests`);
      assert.ok(span(requests.slice(0, 4)) < 300, `${span(requests.slice(0, 4))} ms`);
    },
  },
  // Each request reserves 30 of 60 tokens a second: 500 ms apart; without it nothing paces them.
  cost: {
    args: ["--rate", "none,tokens=60/s", "--concurrency", "1", "--cost", "tokens=30"],
    check: ({ requests }) => {
      assert.ok(requests.length >= 3, `${requests.length} requests`);
      assert.ok(span(requests) >= (requests.length - 1) * 400, `${span(requests)} ms`);
    },
  },
  // Each answer reports 30 tokens: from the second request on, the mean usage reserved paces
  // them 500 ms apart; without it, what an answer reports is never read.
  usage: {
    args: ["--rate", "none,tokens=60/s", "--concurrency", "1", "--usage", "tokens=header:x-used"],
    answer: () => Response.json({ ok: true }, { headers: { "x-used": "30" } }),
    check: ({ requests }) => {
      const later = requests.slice(1);
      assert.ok(later.length >= 3, `${requests.length} requests`);
      assert.ok(span(later) >= (later.length - 1) * 400, `${span(later)} ms`);
    },
  },
  concurrency: {
    args: ["--rate", "none", "--concurrency", "2"],
    answer: async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return OK();
    },
    check: ({ requests }) => {
      assert.equal(Math.max(...requests.map((r) => r.inflight)), 2);
    },
  },
  timeout: {
    args: [...FAST, "--timeout", "300ms", "--max-attempts", "1"],
    answer: (request) => new Promise((resolve) => request.signal.onabort = () => resolve(OK())),
    check: async ({ items }) => {
      for (const item of await items()) {
        assert.match(item.error ?? "", /timed out|timeout/, item.key);
      }
    },
  },
  maxAttempts: {
    args: [...FAST, "--max-attempts", "2", "--retry-base", "10ms", "--breaker-threshold", "0"],
    answer: FAIL,
    check: async ({ items }) => {
      for (const item of await items()) assert.equal(item.attempts, 2, item.key);
    },
  },
  maxThrottled: {
    args: [...FAST, "--max-throttled", "2", "--breaker-threshold", "0"],
    answer: () => new Response("slow down", { status: 429, headers: { "retry-after": "0" } }),
    // Failed at its second 429; the default lets 49 pass.
    check: async ({ items }) => {
      for (const item of await items()) assert.match(item.error ?? "", /throttled 2 times/);
    },
  },
  maxRetryAfter: {
    args: [...FAST, "--max-retry-after", "200ms"],
    // Retry-After of an hour, cut to 200 ms; the default cuts it to 5 minutes.
    answer: firstThen(() => new Response("", { status: 503, headers: { "retry-after": "3600" } })),
    check: async ({ items, code }) => {
      assert.equal(code, 0);
      for (const item of await items()) assert.equal(item.status, "done", item.key);
    },
  },
  maxBody: {
    args: [...FAST, "--max-body", "1KB"],
    answer: () => new Response("x".repeat(2000)),
    check: async ({ items }) => {
      for (const item of await items()) assert.match(item.error ?? "", /body/, item.key);
    },
  },
  retryBase: {
    args: [...FAST, "--retry-base", "50s"],
    answer: FAIL,
    // Stopped once each item was tried: how long the backoff put them off.
    stopResumedWhen: (requests) => requests.length >= 3,
    check: async ({ sql }) => {
      const delays = await sql(
        "SELECT next_at - updated FROM items WHERE status = 'pending' AND attempts > 0",
      );
      // Full jitter below 50 s: all of them under 2 s has a chance of 2.6e-6; the default is 0.5 s.
      assert.ok(delays.some(([ms]) => Number(ms) > 2000), JSON.stringify(delays));
    },
  },
  userAgent: {
    args: [...FAST, "--user-agent", "probe/1"],
    check: ({ requests }) => {
      for (const r of requests) assert.equal(r.headers.get("user-agent"), "probe/1");
    },
  },
  maxRedirects: {
    args: [...FAST, "--max-redirects", "0"],
    path: "/start",
    answer: (request) =>
      new URL(request.url).pathname === "/start"
        ? new Response(null, { status: 302, headers: { location: "/end" } })
        : OK(),
    check: async ({ items, requests }) => {
      assert.ok(requests.every((r) => r.path === "/start"));
      for (const item of await items()) assert.match(item.error ?? "", /redirect/, item.key);
    },
  },
  breakerThreshold: {
    args: [
      ...FAST,
      "--max-attempts",
      "1",
      "--breaker-threshold",
      "2",
      "--breaker-cooldown",
      "100ms",
    ],
    answer: FAIL,
    check: ({ stderr }) => assert.match(stderr, /circuit breaker opened \d+ times?/),
  },
  breakerCooldown: {
    args: [
      ...FAST,
      "--max-attempts",
      "1",
      "--breaker-threshold",
      "1",
      "--breaker-cooldown",
      "100ms",
    ],
    answer: FAIL,
    // Each failure opens the breaker: a probe after 100 ms (doubling), not after the default 10 s.
    check: ({ requests, code }) => {
      assert.equal(code, 1);
      const gaps = requests.slice(1).map((r, i) => r.at - requests[i]!.at);
      assert.ok(gaps.length > 0 && gaps.every((g) => g >= 80 && g < 5000), String(gaps));
    },
  },
  keepSecrets: {
    args: [...FAST, "--keep-secrets", "--header", `X-Key: {{env.${SECRET_VARIABLE}}}`],
    answer: (request) => Response.json({ echoed: request.headers.get("x-key") }),
    // Each answer is stored with the value it echoes; by default, as ***.
    check: async (resumed) => {
      assert.equal(resumed.code, 0);
      const bodies = await resumed.sql("SELECT body FROM responses");
      assert.equal(bodies.length, ITEMS);
      for (const [body] of bodies) assert.equal(JSON.parse(String(body)).echoed, SECRET);
    },
  },
  keepAttempts: {
    args: [...FAST, "--keep-attempts", "--retry-base", "1ms"],
    answer: firstThen(FAIL),
    // Each item's 500 is kept beside its 200; by default, only the final answer.
    check: async (resumed) => {
      assert.equal(resumed.code, 0);
      const rows = await resumed.sql(
        "SELECT count(*) FROM responses GROUP BY item",
      );
      assert.equal(rows.length, ITEMS);
      assert.ok(rows.every(([n]) => Number(n) === 2), JSON.stringify(rows));
    },
  },
  idempotencyKey: {
    args: [...FAST, "--idempotency-key", "X-Req-Id"],
    check: ({ requests }) => {
      for (const r of requests) {
        assert.match(r.headers.get("x-req-id") ?? "", /:\d+$/);
        assert.equal(r.headers.get("idempotency-key"), null);
      }
    },
  },
  schema: {
    args: [...FAST, "--schema", SCHEMA, "--into", INTO],
    // Without the table, --into would refuse to start: the resume must run the schema again.
    between: async (sql) => void await sql("DROP TABLE seen"),
    check: async (resumed) => {
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.ok(await count(resumed, "seen") > 0);
    },
  },
  into: {
    args: [...FAST, "--schema", SCHEMA, "--into", INTO],
    check: async (resumed) => assert.equal(await count(resumed, "seen"), ITEMS),
  },
  processor: {
    args: [...FAST, "--processor", PROCESSOR],
    check: async (resumed) => assert.equal(await count(resumed, "seen"), ITEMS),
  },
  processorTimeout: {
    args: [...FAST, "--processor", HANGING, "--processor-timeout", "200ms"],
    // With the default (30 s) the resume would wait on each answer; with 200ms each item fails.
    check: async ({ items }) => {
      for (const item of await items()) assert.equal(item.error, "process: timed out", item.key);
    },
  },
  next: {
    args: [...FAST, "--next", "link"],
    answer: linkedPages(2),
    // Every query's second page fetched; without --next, one request per query.
    check: async (resumed) => {
      assert.equal(resumed.code, 0, resumed.stderr);
      const pages = await resumed.sql(
        "SELECT count(*) FROM items WHERE page = 2 AND status = 'done'",
      );
      assert.equal(Number(pages[0]![0]), ITEMS);
    },
  },
  maxPages: {
    args: [...FAST, "--next", "link", "--max-pages", "2"],
    answer: linkedPages(10),
    check: async (resumed) => {
      assert.equal(resumed.code, 0, resumed.stderr);
      const rows = await resumed.sql(
        "SELECT max(page), count(*) FILTER (WHERE page_end = 'max_pages') FROM items",
      );
      assert.deepEqual(rows[0]!.map(Number), [2, ITEMS]);
    },
  },
  nextCrossOrigin: {
    args: [...FAST, "--next", "url:$.next", "--next-cross-origin"],
    answer: (request) =>
      Response.json({
        next: `http://127.0.0.1:${OTHER.addr.port}/q?${new URL(request.url).search}`,
      }),
    // The second pages, at the other origin, are fetched; without the flag they fail the first.
    check: async (resumed) => {
      assert.equal(resumed.code, 0, resumed.stderr);
      const rows = await resumed.sql(
        "SELECT count(*) FROM items WHERE page = 2 AND status = 'done'",
      );
      assert.equal(Number(rows[0]![0]), ITEMS);
    },
  },
};

/** A local server that records every request and answers as `answer` says. */
function recordingServer(answer: Scenario["answer"] = OK) {
  const seen: Seen[] = [];
  /** Called with every request as it arrives, before it is answered. */
  const hooks = { onRequest: () => {} };
  let inflight = 0;
  const done = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: done.signal, onListen: () => {} },
    async (request) => {
      inflight++;
      seen.push({
        at: performance.now(),
        path: new URL(request.url).pathname,
        headers: request.headers,
        inflight,
      });
      hooks.onRequest();
      try {
        return await answer(request, seen.length - 1);
      } finally {
        inflight--;
      }
    },
  );
  return {
    seen,
    hooks,
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => done.abort(),
  };
}

/** `sluice ARGS`, in this process; stopped once `stopWhen` holds (checked at each request). */
async function sluice(args: string[], stop: AbortController) {
  const lines: string[] = [];
  const io = { log: () => {}, error: (line: string) => void lines.push(line) };
  let code = 0;
  try {
    await buildProgram({ stop: stop.signal, setExit: (c) => code = c, io })
      .parseAsync(args, { from: "user" });
  } catch (error) {
    code = reportError(error, io);
  }
  return { code, stderr: lines.join("\n") };
}

/**
 * Runs the scenario: start, stop after the first request, resume with
 * --db and --job alone; then hands what the resumed run did to `check`.
 */
async function walk(scenario: Scenario, check: (resumed: Resumed) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_settings_" });
  const server = recordingServer(scenario.answer);
  const db = `file:${dir}/s.db`;
  const sql = async (query: string) => {
    const client = openSqlClient(db);
    try {
      return (await client.query([query], { write: true })).rows as unknown[][];
    } finally {
      client.close();
    }
  };
  try {
    const input = `${dir}/q.jsonl`;
    const queries = Array.from(
      { length: scenario.items ?? ITEMS },
      (_, i) => JSON.stringify({ q: `q${i}` }),
    );
    await Deno.writeTextFile(input, queries.join("\n") + "\n");
    const first = new AbortController();
    // Stopped as its first request arrives, before it is answered.
    server.hooks.onRequest = () => first.abort();
    const started = await sluice([
      "run",
      input,
      "--db",
      db,
      "--job",
      "j",
      "--url",
      `${server.url}${scenario.path ?? "/q"}`,
      "--body",
      '{"q":"{{q}}"}',
      ...scenario.args,
    ], first);
    assert.equal(started.code, 130, started.stderr);
    assert.match(started.stderr, new RegExp(`Resume with: sluice run --db ${db} --job j$`, "m"));
    await scenario.between?.(sql);

    const before = server.seen.length;
    const second = new AbortController();
    const requests = () => server.seen.slice(before);
    // Bounded: a resume that forgot a setting may wait on its default (minutes).
    const deadline = setTimeout(() => second.abort(), 20_000);
    server.hooks.onRequest = () => {
      if (scenario.stopResumedWhen?.(requests())) second.abort();
    };
    const resumed = await sluice(
      ["run", "--db", db, "--job", "j", ...scenario.resumeArgs ?? []],
      second,
    ).finally(() => {
      clearTimeout(deadline);
    });
    const store = await openStore(db);
    try {
      const job = (await store.jobs.find("j"))!;
      assert.ok(job, "the job");
      await check({
        requests: requests(),
        ...resumed,
        saved: savedSettings(job.options).map((s) => s.setting.key),
        options: job.options,
        sql,
        items: async () =>
          (await sql("SELECT key, status, attempts, last_error FROM items ORDER BY seq")).map((
            [key, status, attempts, error],
          ) => ({
            key: String(key),
            status: String(status),
            attempts: Number(attempts),
            error: error === null ? null : String(error),
          })),
      });
    } finally {
      store.close();
    }
  } finally {
    server.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

for (const setting of runSettingList().filter((s) => s.saved)) {
  const flag = flagName(setting);
  Deno.test(`a job started with ${flag} resumes with it from --db and --job alone`, async () => {
    const scenario = SCENARIOS[setting.key];
    assert.ok(
      scenario,
      `${flag} is saved with the job: declare in SCENARIOS of tests/e2e/settings_resume_test.ts ` +
        `how a resume with it is checked`,
    );
    assert.ok(
      scenario.args.includes(flag) ||
        (setting.negation !== undefined && scenario.args.includes(setting.negation.flag)),
      `the scenario of ${flag} does not set it`,
    );
    await walk(scenario, async (resumed) => {
      assert.notEqual(resumed.code, 2, resumed.stderr); // refused: bad input
      assert.ok(resumed.requests.length > 0, "the resumed run sent nothing");
      assert.ok(resumed.saved.includes(setting.key), `status does not show ${flag}`);
      await scenario.check(resumed);
    });
  });
}

Deno.test("every scenario of the settings walk is a setting the job saves", () => {
  const saved = new Set(runSettingList().filter((s) => s.saved).map((s) => s.key));
  assert.deepEqual(Object.keys(SCENARIOS).filter((key) => !saved.has(key)), []);
});

Deno.test("a resume with another idempotency header exits 2 and sends nothing; --replace-request records it", async () => {
  const args = [...FAST, "--idempotency-key", "X-Req-Id"];
  await walk({ args, resumeArgs: ["--idempotency-key", "X-Other"], check: () => {} }, (resumed) => {
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, /--idempotency-key: X-Req-Id → X-Other/);
    assert.match(resumed.stderr, /Pass --replace-request/);
    assert.deepEqual(resumed.requests, []);
    assert.equal(resumed.options.idempotencyKey, "X-Req-Id");
    assert.equal(resumed.options.settingsChanged, undefined);
    return Promise.resolve();
  });
  await walk({ args, resumeArgs: ["--no-idempotency-key"], check: () => {} }, (resumed) => {
    assert.equal(resumed.code, 2);
    assert.deepEqual(resumed.requests, []);
    return Promise.resolve();
  });
  const replace = ["--idempotency-key", "X-Other", "--replace-request"];
  await walk({ args, resumeArgs: replace, check: () => {} }, (resumed) => {
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(resumed.requests.every((r) => r.headers.has("x-other")));
    assert.equal(resumed.options.idempotencyKey, "X-Other");
    const [change] = resumed.options.settingsChanged as { at: string; changes: string[] }[];
    assert.deepEqual(change?.changes, ["--idempotency-key: X-Req-Id → X-Other"]);
    return Promise.resolve();
  });
});

Deno.test("a flag given on resume overrides the saved setting, and the job records the change", async () => {
  const args = [...FAST, "--user-agent", "probe/1"];
  await walk({ args, resumeArgs: ["--user-agent", "probe/2"], check: () => {} }, (resumed) => {
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(resumed.requests.every((r) => r.headers.get("user-agent") === "probe/2"));
    assert.equal(resumed.options.userAgent, "probe/2");
    const [change] = resumed.options.settingsChanged as { at: string; changes: string[] }[];
    assert.deepEqual(change?.changes, ["--user-agent: probe/1 → probe/2"]);
    assert.ok(Date.parse(change!.at) > 0);
    return Promise.resolve();
  });
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(PROCESSOR);
  void OTHER.shutdown();
});
