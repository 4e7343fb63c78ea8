/**
 * The dashboard's pages, rendered on the server with `hono/html`, which
 * escapes every interpolated value: response bodies, keys and errors are
 * shown as text, never markup.
 *
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { formatDuration } from "../util/units.ts";
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { ItemDetail, JobCounts, SnapshotRow } from "../store/store.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What the overview shows of one job. */
export interface JobView {
  name: string;
  url: string;
  counts: JobCounts;
  failures: Record<string, number>;
  history: SnapshotRow[];
  live?: StatsSnapshot | undefined;
  /** Pause and rate for the running job; `allowed`: the visitor holds the token. */
  controls?: { paused: boolean; rate: string; allowed: boolean } | undefined;
}

const enc = encodeURIComponent;

/** The page frame. `events` is the SSE URL for live figures, if any. */
export function page(title: string, body: Html, options: { events?: string } = {}): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title} · sluice</title>
        <link rel="stylesheet" href="/assets/app.css">
      </head>
      <body${options.events
        ? html`
          data-events="${options.events}"
        `
        : ""}>
    <h1><a href="/">sluice</a> <span class="muted">· ${title}</span></h1>
    ${body}
    <script src="/assets/app.js"></script>
    </body></html>
  `;
}

function figure(job: string, label: string, field: string, value: unknown): Html {
  return html`
    <div>
      <dt>${label}</dt>
      <dd data-field="${job}|${field}">${String(value ?? "")}</dd>
    </div>
  `;
}

function chart(job: string, kind: "rate" | "latency", title: string): Html {
  return html`
    <div>
      <div class="muted">${title}</div>
      <svg class="chart" data-chart="${job}|${kind}" viewBox="0 0 300 80"
        preserveAspectRatio="none">
    <polyline points=""></polyline>${kind === "latency"
      ? html`<polyline class="p95" points=""></polyline>`
      : ""}
      </svg>
    </div>
  `;
}

/** The overview: every job's progress; live figures and charts for the running one. */
export function overviewPage(jobs: JobView[]): Html {
  const sections = jobs.map((job) => {
    const c = job.counts;
    const live = job.live;
    const total = Math.max(1, c.total);
    const failures = Object.entries(job.failures);
    return html`<section class="job">
<h2>${job.name} ${live ? html`<span class="live">● running</span>` : ""}</h2>
<div class="muted">${job.url}</div>
<div class="bar" data-job="${job.name}"><div class="done" style="width:${
      (100 * c.done / total).toFixed(2)
    }%"></div><div class="failed" style="width:${(100 * c.failed / total).toFixed(2)}%"></div></div>
<dl class="figures">
${figure(job.name, "done", "done", c.done)}${figure(job.name, "failed", "failed", c.failed)}
${figure(job.name, "pending", "pending", c.pending)}${figure(job.name, "total", "total", c.total)}
${c.possiblySent ? figure(job.name, "possibly sent twice", "possiblySent", c.possiblySent) : ""}
${
      live
        ? html`${figure(job.name, "items/s", "rate", live.rate.toFixed(1))}
${figure(job.name, "ETA", "eta", live.pending === 0 ? "0s" : formatDuration(live.etaMs))}
${figure(job.name, "429s", "throttled", live.throttled)}${
          figure(job.name, "retries", "retried", live.retried)
        }
${figure(job.name, "p50 ms", "p50Ms", live.p50Ms?.toFixed(1) ?? "")}${
          figure(job.name, "p95 ms", "p95Ms", live.p95Ms?.toFixed(1) ?? "")
        }`
        : ""
    }
</dl>
${
      live
        ? html`<div class="muted">status codes: <span data-field="${job.name}|statuses">${
          statusText(live.byStatus)
        }</span></div>`
        : ""
    }
${
      job.history.length > 0 || live
        ? html`${chart(job.name, "rate", "throughput (items/s)")}${
          chart(job.name, "latency", "latency p50 / p95 (ms)")
        }
<script type="application/json" data-history="${job.name}">${
          raw(JSON.stringify(job.history.map(numericPoint)))
        }</script>`
        : ""
    }
${job.controls ? controls(job.controls) : ""}
${
      failures.length > 0
        ? html`
          <h2>Failures</h2>
          <table><tr><th>reason</th><th>items</th></tr>${failures.map(([reason, n]) =>
            html`
              <tr>
                <td><a href="/jobs/${enc(job.name)}/failed?reason=${enc(reason)}">${reason}</a></td>
                <td>${n}</td>
              </tr>
            `
          )}</table>
          <p><a href="/jobs/${enc(job.name)}/failed">all failed items</a></p>
        `
        : ""
    }
</section>`;
  });
  return page(
    "overview",
    html`${sections.length ? sections : html`<p>No jobs in this database yet.</p>`}`,
    { events: "/events" },
  );
}

// The forms carry no token: the browser sends the cookie set by the address printed at start.
function controls(state: { paused: boolean; rate: string; allowed: boolean }): Html {
  if (!state.allowed) {
    return html`
      <p class="muted">To pause or change the rate, open the address printed at start (it carries
        the control token).</p>
    `;
  }
  return html`
    <div>
      <form class="inline" method="post" action="/api/${state.paused ? "resume" : "pause"}">
    <button type="submit">${state.paused ? "resume" : "pause"}</button></form>
      <form class="inline" method="post" action="/api/rate">
    <label>rate <input name="rate" value="${state
      .rate}" size="14"></label><button type="submit">set</button></form>
    </div>
  `;
}

function numericPoint(p: SnapshotRow) {
  return { at: p.at, rate: Number(p.rate) || 0, p50Ms: p.p50Ms ?? 0, p95Ms: p.p95Ms ?? 0 };
}

/** `200: 10, 429: 2`. */
export function statusText(byStatus: Record<string, number>): string {
  return Object.entries(byStatus).sort().map(([k, v]) => `${k}: ${v}`).join(", ");
}

/** Failed items, filterable by the start of the last error. */
export function failedPage(
  job: string,
  reasons: Record<string, number>,
  reason: string,
  items: {
    key: string;
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
    updated: number;
  }[],
): Html {
  return page(
    `${job}: failed items`,
    html`<form method="get"><label>reason <select name="reason">
<option value="">all</option>${
      Object.keys(reasons).map((r) =>
        html`
          <option value="${r}" ${r === reason ? " selected" : ""}>${r}</option>
        `
      )
    }
</select></label> <button type="submit">filter</button></form>
<table><tr><th>key</th><th>attempts</th><th>status</th><th>last error</th><th>when</th></tr>
${
      items.map((i) =>
        html`
          <tr>
            <td><a href="/jobs/${enc(job)}/items/${enc(i.key)}">${i.key}</a></td>
            <td>${i.attempts}</td>
            <td>${i.lastStatus ?? ""}</td>
            <td>${i.lastError ?? ""}</td>
            <td>${new Date(i.updated).toISOString()}</td>
          </tr>
        `
      )
    }</table>${items.length === 0 ? html`<p>None.</p>` : ""}`,
  );
}

/** One item with every stored attempt. */
export function itemPage(job: string, item: ItemDetail): Html {
  return page(
    `${job}: ${item.key}`,
    html`
      <dl class="figures">
        <div>
          <dt>state</dt>
          <dd>${item.status}</dd>
        </div>
        <div>
          <dt>attempts</dt>
          <dd>${item.attempts}</dd>
        </div>
        <div>
          <dt>429s</dt>
          <dd>${item.throttled}</dd>
        </div>
        <div>
          <dt>last status</dt>
          <dd>${item.lastStatus ?? ""}</dd>
        </div>
        <div>
          <dt>possibly sent twice</dt>
          <dd>${item.possiblySent ? "yes" : "no"}</dd>
        </div>
      </dl>
      ${item.lastError ? html`<p>last error: ${item.lastError}</p>` : ""}
      <h2>query</h2><pre>${JSON.stringify(item.vars)}</pre>
      <h2>responses</h2>${item.responses.length === 0
        ? html`<p class="muted">No stored response (only final answers are kept unless --keep-attempts).</p>`
        : item.responses.map((r) =>
          html`<h3>attempt ${r.attempt}: ${r.status ?? "no response"} in ${
            r.durationMs.toFixed(1)
          } ms
<span class="muted">${new Date(r.at).toISOString()}</span></h3>
${r.url ? html`<div class="muted">${r.url}</div>` : ""}${r.error ? html`<p>${r.error}</p>` : ""}
${r.headers ? html`<pre>${JSON.stringify(r.headers)}</pre>` : ""}<pre>${r.body ?? ""}</pre>`
        )}
    `,
  );
}
