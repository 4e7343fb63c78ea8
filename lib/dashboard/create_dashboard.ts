/**
 * The local dashboard: a Hono app over a database, with live figures from a
 * running job. Built by a factory and tested with `app.request()`; the
 * server itself (`Deno.serve`) is started by main.ts.
 *
 * @module
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { timingSafeEqual } from "hono/utils/buffer";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.ts";
import { failedPage, itemPage, type JobView, overviewPage } from "./views.ts";
import { prometheusText } from "./metrics.ts";
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { Store } from "../store/store.ts";

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
  store: Store;
  /** The job running in this process, if any. */
  live?: LiveRun;
  /**
   * Required on state-changing requests (and on every request when
   * `tokenForReads`), as `Authorization: Bearer <token>`, a `token` form
   * field or a `token` query parameter. @default undefined (no controls)
   */
  token?: string;
  /** Require the token on reads too (when served beyond loopback). @default false */
  tokenForReads?: boolean;
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

/** Compares a presented token with the expected one in constant time; an empty one never matches. */
async function tokenMatches(expected: string | undefined, presented: string | undefined) {
  if (!expected || !presented) return false;
  return await timingSafeEqual(expected, presented);
}

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
  const { store, live, token, tokenForReads = false, eventsMs = 1000, eventsPerStream = 600 } =
    options;
  const app = new Hono();

  const presented = (
    c: { req: { header(n: string): string | undefined; query(n: string): string | undefined } },
    form?: unknown,
  ) => {
    const bearer = c.req.header("authorization")?.replace(/^Bearer\s+/i, "");
    const field = form && typeof form === "object" && "token" in form
      ? String(form.token)
      : undefined;
    return bearer ?? field ?? c.req.query("token");
  };

  app.use("*", SECURE_HEADERS);
  app.use("*", async (c, next) => {
    if (
      tokenForReads && token && !c.req.path.startsWith("/assets/") &&
      !(await tokenMatches(token, presented(c)))
    ) {
      return c.text("token required", 401);
    }
    await next();
  });

  async function jobViews(): Promise<JobView[]> {
    const views: JobView[] = [];
    for (const job of await store.listJobs()) {
      const isLive = live?.job === job.name;
      views.push({
        name: job.name,
        url: String(JSON.parse(job.request).url ?? ""),
        counts: await store.counts(job.id),
        failures: await store.failureReasons(job.id),
        history: await store.snapshots(job.id),
        live: isLive ? live!.snapshot() : undefined,
        controls: isLive && token && live!.pause && live!.rate
          ? { paused: live!.paused?.() ?? false, rate: live!.rate() }
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
  app.get("/", async (c) => c.html(overviewPage(await jobViews(), token ? { token } : {})));

  app.get("/jobs/:name/failed", async (c) => {
    const job = await store.findJob(c.req.param("name"));
    if (!job) return c.text("no such job", 404);
    const reason = c.req.query("reason") ?? "";
    const items = await store.failedItems(job.id, { reason, limit: 200 });
    return c.html(failedPage(job.name, await store.failureReasons(job.id), reason, items));
  });

  app.get("/jobs/:name/items/:key", async (c) => {
    const job = await store.findJob(c.req.param("name"));
    const item = job && await store.itemWithResponses(job.id, c.req.param("key"));
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
    const job = await store.findJob(c.req.param("name"));
    if (!job) return c.json({ error: "no such job" }, 404);
    return c.json({ history: await store.snapshots(job.id, Number(c.req.query("since") ?? 0)) });
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
    for (const job of await store.listJobs()) {
      jobs.push({
        name: job.name,
        counts: await store.counts(job.id),
        live: live?.job === job.name ? live.snapshot() : undefined,
      });
    }
    return c.body(prometheusText(jobs), 200, { "content-type": "text/plain; version=0.0.4" });
  });

  app.post("/api/:action{pause|resume|rate}", async (c) => {
    const form = c.req.header("content-type")?.includes("form")
      ? Object.fromEntries(await c.req.formData())
      : c.req.header("content-type")?.includes("json")
      ? await c.req.json().catch(() => ({}))
      : {};
    if (!(await tokenMatches(token, presented(c, form)))) {
      return c.json({ error: "token required" }, 403);
    }
    if (!live?.pause || !live.resume || !live.setRate) {
      return c.json({ error: "no job is running in this process" }, 409);
    }
    const action = c.req.param("action");
    try {
      if (action === "pause") live.pause();
      else if (action === "resume") live.resume();
      else live.setRate(String((form as Record<string, unknown>).rate ?? ""));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
    if (c.req.header("accept")?.includes("text/html")) return c.redirect("/", 303);
    return c.json({ ok: true, paused: live.paused?.() ?? false, rate: live.rate?.() ?? null });
  });

  return app;
}
