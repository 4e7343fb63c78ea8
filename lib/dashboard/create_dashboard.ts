/**
 * The local dashboard: a Hono app over a database, with live figures from a
 * running job. Built by a factory and tested with `app.request()`; the
 * server itself (`Deno.serve`) is started by the command line.
 *
 * @module
 */
import { Hono, type HonoRequest } from "../deps.ts";
import { secureHeaders } from "../deps.ts";
import { dashboardAsset } from "./assets.ts";
import { controlToken } from "./control_token.ts";
import { eventStream } from "./event_stream.ts";
import { hostCheck, LOOPBACK_HOSTS } from "./host_check.ts";
import { allowedRate } from "./limiter_view.ts";
import { countsUnits, unitFigures } from "./unit_view.ts";
import { jobFigures } from "./job_figures.ts";
import { lastRunShown, readJob } from "./job_reads.ts";
import { LiveFeed } from "./live_feed.ts";
import type { LiveRun } from "./live_run.ts";
import { prometheusText } from "./metrics.ts";
import { shownRequest } from "./shown_request.ts";
import { failedPage } from "./views/failed_page.ts";
import { itemPage } from "./views/item_page.ts";
import { jobSection, type JobView, overviewBody } from "./views/job_section.ts";
import { optionsView, shownSettings } from "../run/saved_settings.ts";
import { page } from "./views/layout.ts";
import { isFailureClass } from "../store/failure_class.ts";
import type { JobRow, StatusView } from "../store/store.ts";

export type { LiveRun } from "./live_run.ts";

/** Options for {@linkcode createDashboard}. */
export interface DashboardOptions {
  /** The database to show. */
  store: StatusView;
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
  /** Interval of live updates over SSE, made once for every page. @default 1000 */
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

const FAILED_PAGE_SIZE = 50;

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
  const feed = new LiveFeed({ store, live, everyMs: eventsMs });
  const runs = (job: JobRow) => live !== undefined && live.job === job.name;

  // A bug answers a bare 500, and prints no stack trace (Hono's default) on the run's terminal.
  app.onError((_error, c) => c.text("internal error", 500));
  app.use("*", SECURE_HEADERS);
  app.use("*", hostCheck(allowedHosts));
  app.use("*", gate.middleware);

  /** What a page shows of a job; `mayControl`: the visitor holds the token. */
  async function jobView(job: JobRow, mayControl: boolean): Promise<JobView> {
    const now = Date.now();
    const snapshot = runs(job) ? live!.snapshot() : undefined;
    const reads = await readJob(store, job.id, { here: snapshot, now });
    const history = await store.history.readSpread(job.id, 1000);
    if (snapshot) history.push(...feed.recent(history.at(-1)?.at ?? 0));
    return {
      name: job.name,
      url: String(job.request.url ?? ""),
      settings: shownSettings(job.options),
      figures: jobFigures(
        reads.counts,
        snapshot && { run: live!, snapshot },
        now,
        lastRunShown(job, reads),
      ),
      reads,
      history,
      live: snapshot !== undefined,
      costed: countsUnits(job.options, history, snapshot ? live!.limiter?.() : undefined),
      controls: snapshot && token && live!.pause && live!.rate
        ? { paused: live!.paused?.() ?? false, rate: live!.rate(), allowed: mayControl }
        : undefined,
    };
  }

  // The page's points reach up to now; its stream first sends what comes after.
  const eventsSince = () => `/events?since=${Date.now()}`;

  app.get("/assets/:name", (c) => {
    const asset = dashboardAsset(c.req.param("name"));
    if (!asset) return c.text("no such asset", 404);
    return c.body(asset.body, 200, { "content-type": asset.type });
  });
  app.get("/favicon.ico", (c) => c.body(null, 204));

  app.get("/", async (c) => {
    const mayControl = await gate.presented(c);
    const views = await Promise.all((await store.jobs.list()).map((j) => jobView(j, mayControl)));
    return c.html(page("overview", overviewBody(views), { events: eventsSince(), charts: true }));
  });

  app.get("/jobs/:name", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    if (!job) return c.text("no such job", 404);
    const view = await jobView(job, await gate.presented(c));
    return c.html(page(job.name, jobSection(view), { events: eventsSince(), charts: true }));
  });

  app.get("/jobs/:name/failed", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    if (!job) return c.text("no such job", 404);
    const q = (name: string) => c.req.query(name) ?? "";
    const offset = /^\d{1,9}$/.test(q("offset")) ? Number(q("offset")) : 0;
    const filters = {
      cls: q("class"),
      status: q("status"),
      key: q("key"),
      reason: q("reason"),
      offset,
    };
    const status = /^\d{3}$/.test(filters.status) ? Number(filters.status) : undefined;
    const items = await store.reports.failedItems(job.id, {
      reason: filters.reason,
      ...(isFailureClass(filters.cls) ? { errorClass: filters.cls } : {}),
      ...(status !== undefined ? { status } : {}),
      keyContains: filters.key,
      limit: FAILED_PAGE_SIZE + 1,
      offset,
    });
    const choices = {
      classes: await store.reports.failedByClass(job.id),
      statuses: await store.reports.failedStatuses(job.id),
    };
    return c.html(failedPage(job.name, filters, choices, items.slice(0, FAILED_PAGE_SIZE), {
      pageSize: FAILED_PAGE_SIZE,
      more: items.length > FAILED_PAGE_SIZE,
    }));
  });

  app.get("/jobs/:name/items/:key", async (c) => {
    const job = await store.jobs.find(c.req.param("name"));
    // A query's later pages (--next) by ?page=N; its first page without.
    const page = Number(c.req.query("page") ?? 1);
    if (!Number.isInteger(page) || page < 1) return c.text("no such page", 404);
    const item = job && await store.reports.itemWithResponses(job.id, c.req.param("key"), page);
    if (!job || !item) return c.text("no such item", 404);
    return c.html(itemPage(job.name, item, shownRequest(job.request, item.vars)));
  });

  app.get("/api/jobs", async (c) => {
    const jobs = [];
    const now = Date.now();
    for (const job of await store.jobs.list()) {
      const snapshot = runs(job) ? live!.snapshot() : undefined;
      const reads = await readJob(store, job.id, { here: snapshot, now });
      jobs.push({
        name: job.name,
        url: String(job.request.url ?? ""),
        options: optionsView(job.options),
        state: jobFigures(reads.counts, snapshot && { run: live!, snapshot }, now).state,
        ...(job.lastRun ? { lastRun: job.lastRun } : {}),
        counts: reads.counts,
        classes: reads.classes,
        failures: reads.reasons,
        live: snapshot,
      });
    }
    return c.json({ jobs });
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

  app.get("/events", (c) => eventStream(c, feed, { limit: eventsPerStream }));

  app.get("/metrics", async (c) => {
    const jobs = [];
    const now = Date.now();
    for (const job of await store.jobs.list()) {
      const limiter = runs(job) ? live!.limiter?.() : undefined;
      jobs.push({
        name: job.name,
        counts: await store.queue.counts(job.id),
        live: runs(job) ? live!.snapshot() : undefined,
        gauges: limiter && {
          allowedRate: allowedRate(limiter, now)?.rate,
          pace: allowedRate(limiter, now)?.by,
          units: unitFigures(limiter, now),
          inflight: limiter.gauges.inflight,
          concurrency: live!.concurrency?.(),
          paused: limiter.held,
          cooldownSeconds: Math.max(0, limiter.cooldownUntil - now) / 1000,
          breakerSeconds: Math.max(0, (limiter.gauges.breakerUntil ?? 0) - now) / 1000,
          cooldowns: limiter.report().cooldowns?.count,
        },
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
