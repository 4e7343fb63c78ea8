/**
 * A job running against the built-in mock API (faults, slow answers, an
 * outage with Retry-After, a published quota tighter than the job's rate, and
 * another client spending the same quota, so 429s) with the dashboard served
 * beside it, all in this process and on 127.0.0.1: what scripts/screenshots.ts
 * photographs and the browser test drives. A few items are answered 422 with markup in the body, which must
 * only ever be shown as text.
 *
 * @module
 */
import { liveRun } from "../cli/live_run.ts";
import { recordHistory } from "../cli/record_history.ts";
import { createDashboard } from "../lib/dashboard/create_dashboard.ts";
import { prepareJob } from "../lib/job/prepare_job.ts";
import { compileTemplate } from "../lib/job/template.ts";
import { type MockServer, serveMockApi, type ServeMockOptions } from "../lib/mock/mock_server.ts";
import { parseRate } from "../lib/rate/rate_spec.ts";
import type { RateLimiter } from "../lib/rate/rate_limiter.ts";
import { runJob, type RunSummary } from "../lib/run/run_job.ts";
import { RunStats } from "../lib/run/run_stats.ts";
import { openStore } from "../lib/store/store.ts";

/** Markup planted in some answers: it must never run, nor load anything. */
export const PLANTED =
  `<script>fetch("/planted")</script><img src="/planted" onerror="fetch('/planted')">`;

/** Options for {@linkcode startDemoDashboard}. */
export interface DemoOptions {
  /** Queries in the job. @default 4000 */
  items?: number;
  /** The job's `--rate`. @default "40/s,2000/min,100000/day" */
  rate?: string;
  /** Requests in flight at once. @default 16 */
  concurrency?: number;
  /** The mock API's options. @default a 25/s quota with faults, slowness and an outage */
  mock?: ServeMockOptions;
  /** Items answered 422 with {@linkcode PLANTED} markup. @default 3 */
  planted?: number;
  /** Seconds between saved history points. @default 2 */
  historyEveryS?: number;
  /**
   * Another client of the same API, sending every so many milliseconds: it
   * spends the quota sluice paces against, so sluice meets 429s. 0 for none.
   * @default 100
   */
  neighbourEveryMs?: number;
}

/** A demo run with its dashboard. */
export interface DemoDashboard {
  /** The address printed at start: it carries the control token once. */
  url: string;
  /** The dashboard's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** The control token. */
  token: string;
  /** The job's name. */
  job: string;
  /** Keys of the items answered with planted markup. */
  plantedKeys: string[];
  mock: MockServer;
  /** The run's limiter, once built. */
  limiter(): RateLimiter | undefined;
  /** Resolves when the run ends (all done, or stopped). */
  finished: Promise<RunSummary>;
  /** Stops the run, the dashboard and the mock, and removes the database. */
  stop(): Promise<void>;
}

const DEFAULT_MOCK: ServeMockOptions = {
  rate: 25,
  headers: "ietf",
  failRate: 0.12,
  resetRate: 0.01,
  slowRate: 0.1,
  slowMs: 250,
  latencyMs: 15,
  outages: [{ startMs: 14_000, endMs: 17_000, retryAfterS: 2 }],
};

/** Starts the mock, the job and the dashboard. */
export async function startDemoDashboard(options: DemoOptions = {}): Promise<DemoDashboard> {
  const {
    items = 4000,
    rate = "40/s,2000/min,100000/day",
    concurrency = 16,
    mock: mockOptions = DEFAULT_MOCK,
    planted = 3,
    historyEveryS = 2,
    neighbourEveryMs = 100,
  } = options;
  const dir = await Deno.makeTempDir({ prefix: "sluice-demo-" });
  const mock = serveMockApi(mockOptions);
  const store = await openStore(`file:${dir}/demo.db`);
  const job = "search";
  const request = {
    url: `http://127.0.0.1:${mock.port}/search`,
    method: "POST",
    headers: { authorization: "Bearer {{env.DEMO_TOKEN}}" },
    body: '{"q":"{{q}}"}',
  };
  const template = compileTemplate(request);
  const plantedKeys = Array.from({ length: planted }, (_, i) => `planted-${i}`);
  // Spread through the job, the first one early.
  const plantedAt = new Map(
    plantedKeys.map((key, k) => [Math.floor((k * items) / planted) + 20, key]),
  );
  async function* queries() {
    for (let i = 0; i < items; i++) {
      const key = plantedAt.get(i);
      yield {
        vars: { id: key ?? `q${i}`, q: key ? `${key} ${PLANTED}` : `query ${i}` },
        line: i + 1,
      };
    }
  }
  const input = { file: "demo.jsonl", format: "jsonl" as const, settings: {}, queries: queries() };
  const prepared = await prepareJob(store, template, { name: job, input, request });
  const stats = new RunStats({ total: 0, done: 0, failed: 0 });
  let limiter: RateLimiter | undefined;
  const live = liveRun(job, stats, () => limiter, concurrency);
  const history = recordHistory(store, prepared.job.id, live, historyEveryS * 1000);
  const token = crypto.randomUUID().replaceAll("-", "");
  const app = createDashboard({ store, live, token });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  // The planted items' answers: markup in a 4xx body, kept for diagnosis.
  const fetchWithPlanted: typeof fetch = (url, init) =>
    typeof init?.body === "string" && init.body.includes("planted-")
      ? Promise.resolve(
        new Response(PLANTED, { status: 422, headers: { "content-type": "text/html" } }),
      )
      : fetch(url, init);
  const stop = new AbortController();
  const neighbour = neighbourEveryMs > 0
    ? (async () => {
      while (!stop.signal.aborted) {
        const res = await fetch(`${request.url}?q=neighbour`).catch(() => undefined);
        await res?.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, neighbourEveryMs));
      }
    })()
    : Promise.resolve();
  const finished = runJob(store, prepared.job, template, {
    rate: parseRate(rate),
    concurrency,
    stats,
    keepAttempts: true,
    maxAttempts: 2,
    env: (name) => (name === "DEMO_TOKEN" ? "demo-secret-token" : undefined),
    fetch: fetchWithPlanted,
    signal: stop.signal,
    onLimiter: (l) => {
      limiter = l;
      live.attach(l);
    },
  });
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    job,
    plantedKeys,
    mock,
    limiter: () => limiter,
    finished,
    async stop() {
      limiter?.hold(false);
      stop.abort();
      await finished.catch(() => {});
      await neighbour;
      await history.stop();
      await server.shutdown();
      await mock.shutdown();
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
