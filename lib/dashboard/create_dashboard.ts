/**
 * The local dashboard: a Hono app over a database, with live figures from a
 * running job. Built by a factory and tested with `app.request()`; the
 * server itself (`Deno.serve`) is started by main.ts.
 *
 * @module
 */
import { Hono, type HonoRequest } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.ts";
import { controlToken } from "./control_token.ts";
import { hostCheck, LOOPBACK_HOSTS } from "./host_check.ts";
import { failedPage, itemPage, type JobView, overviewPage } from "./views.ts";
import { prometheusText } from "./metrics.ts";
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { StoreView } from "../store/store.ts";

/** A running job the dashboard can show live and control. */
export interface LiveRun {
  /** The job's name. */
  job: string;
  /** Current statistics. */
  snapshot(): StatsSnapshot;
  /** Pause and resume sending (optional). */
  pause?(): void;
  resume?(): void;
  paused?(): boolean;
  /** The rate in force, as text, and a way to change it (throws RangeError on a bad rate). */
  rate?(): string;
  setRate?(rate: string): void;
}

/** Options for {@linkcode createDashboard}. */
export interface DashboardOptions {
  /** The database to show. */
  store: StoreView;
  /** The job running in this process, if any. */
  live?: LiveRun;
  /**
   * Required on state-changing requests (and on every request when
   * `tokenForReads`), never written in a page: `/?token=<token>` trades it for
   * an HttpOnly cookie, tools send `Authorization: Bearer <token>`; see
   * {@linkcode controlToken}. Empty means none. @default undefined (no controls)
   */
  token?: string;
  /** Require the token on reads too (when served beyond loopback). @default false */
  tokenForReads?: boolean;
  /**
   * The `Host` values answered (against DNS rebinding); see {@linkcode hostCheck}
   * and `boundHosts()` beside it. @default ["127.0.0.1", "localhost", "[::1]"] (any port)
   */
  allowedHosts?: readonly string[];
  /** Interval of live updates over SSE. @default 1000 */
  eventsMs?: number;
  /** Number of SSE events before a stream ends (the browser reconnects). @default 600 */
  eventsPerStream?: number;
}

// Nothing from other origins and no inline script; inline styles only for the progress bars' widths.
const SECURE_HEADERS = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  // Served over plain HTTP on loopback: HSTS would be ignored there, or pin other local servers.
  strictTransportSecurity: false,
});

/**
 * Builds the dashboard app.
 *
 * @example Usage
 * ```ts
 * import { openStore } from "../store/store.ts";
 * import { createDashboard } from "./create_dashboard.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const app = createDashboard({ store });
 * const res = await app.request("/api/jobs");
 * assert.deepEqual(await res.json(), { jobs: [] });
 * store.close();
 * ```
 */
export function createDashboard(options: DashboardOptions): Hono {
  const {
    store,
    live,
    token,
    tokenForReads = false,
    allowedHosts = LOOPBACK_HOSTS,
    eventsMs = 1000,
    eventsPerStream = 600,
  } = options;
  const app = new Hono();
  const gate = controlToken({ token, tokenForReads });

  app.use("*", SECURE_HEADERS);
  app.use("*", hostCheck(allowedHosts));
  app.use("*", gate.middleware);

  /** Every job's view; `mayControl`: the visitor holds the token, so the controls are shown. */
  async function jobViews(mayControl = false): Promise<JobView[]> {
    const views: JobView[] = [];
    for (const job of await store.jobs.list()) {
      const isLive = live?.job === job.name;
      views.push({
        name: job.name,
        url: String(job.request.url ?? ""),
        counts: await store.queue.counts(job.id),
        failures: await store.reports.failureReasons(job.id),
        history: await store.history.read(job.id),
        live: isLive ? live!.snapshot() : undefined,
        controls: isLive && token && live!.pause && live!.rate
          ? { paused: live!.paused?.() ?? false, rate: live!.rate(), allowed: mayControl }
          : undefined,
      });
    }
    return views;
  }

  app.get("/assets/app.css", (c) => c.body(DASHBOARD_CSS, 200, { "content-type": "text/css" }));
  app.get(
    "/assets/app.js",
    (c) => c.body(DASHBOARD_JS, 200, { "content-type": "text/javascript" }),
  );

  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/", async (c) => c.html(overviewPage(await jobViews(await gate.presented(c)))));

  app.get("/jobs/:name/failed", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    if (!job) return c.text("no such job", 404);
    const reason = c.req.query("reason") ?? "";
    const items = await store.reports.failedItems(job.id, { reason, limit: 200 });
    return c.html(failedPage(job.name, await store.reports.failureReasons(job.id), reason, items));
  });

  app.get("/jobs/:name/items/:key", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    const item = job && await store.reports.itemWithResponses(job.id, c.req.param("key"));
    if (!job || !item) return c.text("no such item", 404);
    return c.html(itemPage(job.name, item));
  });

  app.get("/api/jobs", async (c) => {
    const views = await jobViews();
    return c.json({
      jobs: views.map(({ history: _, controls: __, ...view }) => view),
    });
  });

  app.get("/api/jobs/:name/history", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    if (!job) return c.json({ error: "no such job" }, 404);
    const since = c.req.query("since") ?? "0";
    if (!/^\d{1,15}$/.test(since)) {
      const error = `Cannot parse since as milliseconds since 1970: current value is '${since}'`;
      return c.json({ error }, 400);
    }
    return c.json({ history: await store.history.read(job.id, Number(since)) });
  });

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < eventsPerStream && !stream.aborted; i++) {
        const jobs: Record<string, unknown> = {};
        for (const view of await jobViews()) {
          const s = view.live;
          jobs[view.name] = {
            ...view.counts,
            ...(s
              ? {
                at: s.at,
                rate: s.rate,
                eta: s.pending === 0
                  ? "0s"
                  : s.etaMs === undefined
                  ? "?"
                  : `${Math.round(s.etaMs / 1000)}s`,
                throttled: s.throttled,
                retried: s.retried,
                p50Ms: s.p50Ms,
                p95Ms: s.p95Ms,
                statuses: Object.entries(s.byStatus).sort().map(([k, v]) => `${k}: ${v}`).join(
                  ", ",
                ),
              }
              : {}),
          };
        }
        await stream.writeSSE({ event: "stats", data: JSON.stringify({ jobs }) });
        await stream.sleep(eventsMs);
      }
    }));

  app.get("/metrics", async (c) => {
    const jobs = [];
    for (const job of await store.jobs.list()) {
      jobs.push({
        name: job.name,
        counts: await store.queue.counts(job.id),
        live: live?.job === job.name ? live.snapshot() : undefined,
      });
    }
    return c.body(prometheusText(jobs), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  app.post("/api/:action{pause|resume|rate}", async (c) => {
    const form = await readForm(c.req);
    if (!form) return c.json({ error: "Cannot parse the request's form or JSON body" }, 400);
    const formToken = typeof form.token === "string" ? form.token : undefined;
    if (!(await gate.mayControl(c, formToken))) return c.json({ error: "token required" }, 403);
    if (!live?.pause || !live.resume || !live.setRate) {
      return c.json({ error: "no job is running in this process" }, 409);
    }
    const action = c.req.param("action");
    try {
      if (action === "pause") live.pause();
      else if (action === "resume") live.resume();
      else live.setRate(String(form.rate ?? ""));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
    if (c.req.header("accept")?.includes("text/html")) return c.redirect("/", 303);
    return c.json({ ok: true, paused: live.paused?.() ?? false, rate: live.rate?.() ?? null });
  });

  return app;
}

/** The fields of a form or JSON object body; `undefined` when the body cannot be parsed. */
async function readForm(req: HonoRequest): Promise<Record<string, unknown> | undefined> {
  const type = req.header("content-type") ?? "";
  try {
    if (type.includes("form")) return Object.fromEntries(await req.formData());
    if (!type.includes("json")) return {};
    const body: unknown = await req.json();
    return body !== null && typeof body === "object" && !Array.isArray(body)
      ? body as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}
