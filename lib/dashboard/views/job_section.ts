/**
 * One job on the overview: state, progress, figures, charts (drawn by the
 * script from the history in the page and the live updates), the limiter
 * panel of a running job, failures and workers.
 *
 * @module
 */
import { html } from "../../deps.ts";
import type { JobFigures } from "../job_figures.ts";
import type { JobReads } from "../job_reads.ts";
import type { SnapshotRow } from "../../store/store.ts";
import { classesTable, reasonsTable, workersTable } from "./job_tables.ts";
import { type ControlsView, lastRunPanel, limiterPanel } from "./limiter_panel.ts";
import { enc, figure, type Html, jsonData } from "./layout.ts";

/** What the overview shows of one job. */
export interface JobView {
  /** The job's name. */
  name: string;
  /** Its request's URL template. */
  url: string;
  /** The settings it saved, as flags (`--rate 5/s`). */
  settings: string[];
  /** Its figures now. */
  figures: JobFigures;
  /** Its counts, failures and workers from the database. */
  reads: JobReads;
  /** Statistics history, oldest first, for the charts. */
  history: SnapshotRow[];
  /** True for the job running in this process. */
  live: boolean;
  /** Pause and rate of the running job, when it can be controlled from here. */
  controls?: ControlsView | undefined;
  /** True when the job counts cost units besides requests (tokens): their chart is shown. */
  costed?: boolean;
}

/** The charts: name, title, what is drawn (the script knows each one's series). */
export const CHARTS: readonly [name: string, title: string, note: string][] = [
  ["throughput", "Throughput", "per second: requests sent, items finished, rate allowed"],
  ["statuses", "Responses by status", "per second"],
  ["retries", "Retries, 429s and 503s", "per second; shaded: cooldown, breaker open, paused"],
  [
    "latency",
    "Latency",
    "over the last 10 s: p50, p95, p99 (log scale); none while nothing is sent",
  ],
  ["inflight", "Requests in flight", "sent and not yet answered, against the concurrency"],
];

/** The chart of a job that counts cost units besides requests. */
export const UNITS_CHART: readonly [name: string, title: string, note: string] = [
  "units",
  "Cost units",
  "spent per second; dashed: left of the tightest limit; shaded: a unit's limit set the pace",
];

/** The state badge; the script keeps its text current, the stylesheet colours it by `data-is`. */
export function stateBadge(job: string, state: string): Html {
  return html`<span class="state" data-state="${job}" data-is="${state}">${state}</span>`;
}

function chartPanel(job: string, [chart, title, note]: readonly [string, string, string]): Html {
  return html`
    <figure class="panel chart-panel">
      <figcaption><h3>${title}</h3>
    <span class="muted">${note}</span></figcaption>
      <div class="chart" data-chart="${job}|${chart}" data-points="0"></div>
    </figure>
  `;
}

/** One job's section. */
export function jobSection(view: JobView): Html {
  const { name, figures } = view;
  const c = figures.counts;
  const f = figures.fields;
  const total = Math.max(1, c.total);
  const charted = view.live || view.history.length > 0;
  const ran = !view.live && f["run.ended"] !== undefined;
  return html`<section class="job" data-job-section="${name}">
<header class="job-head">
<h2>${name}</h2>${stateBadge(name, figures.state)}
<nav class="job-links"><a href="/jobs/${
    enc(name)
  }/failed">failed items (<span data-field="${name}|failed">${f.failed}</span>)</a>
<a href="/jobs/${enc(name)}">this job only</a></nav>
</header>
<div class="muted url">${view.url}</div>
${
    view.settings.length > 0
      ? html`<div class="muted url" data-settings="${name}">${view.settings.join(" ")}</div>`
      : ""
  }
<div class="progress"><div class="bar" data-job="${name}"><div class="done" style="width:${
    (100 * c.done / total).toFixed(2)
  }%"></div><div class="failed" style="width:${(100 * c.failed / total).toFixed(2)}%"></div></div>
<span class="percent" data-field="${name}|progress">${f.progress}</span></div>
<dl class="figures">
${
    f.queries === undefined
      ? ""
      : html`${figure(name, "queries done", "queriesDone", f.queriesDone!)}${
        figure(name, "queries", "queries", f.queries)
      }${figure(name, "pages fetched", "pages", f.pages!)}`
  }
${figure(name, "done", "done", f.done!)}${figure(name, "failed", "failed", f.failed!)}
${figure(name, "pending", "pending", f.pending!)}${figure(name, "claimed", "inflight", f.inflight!)}
${figure(name, "total", "total", f.total!)}${
    c.possiblySent || view.live
      ? figure(name, "possibly sent twice", "possiblySent", f.possiblySent!)
      : ""
  }
${
    view.live
      ? html`${figure(name, "items/s", "rate", f.rate!)}${
        figure(name, "requests/s", "sendRate", f.sendRate!)
      }${figure(name, "ETA", "eta", f.eta!)}${figure(name, "retries", "retried", f.retried!)}${
        figure(name, "throttled (429)", "throttled", f.throttled!)
      }${figure(name, "unavailable (503)", "unavailable", f.unavailable!)}${
        figure(name, "p50 · p95 · p99", "latency", f.latency!, true)
      }`
      : ran
      ? html`${figure(name, "last run took", "run.duration", f["run.duration"]!)}${
        figure(name, "requests/s", "run.sendRate", f["run.sendRate"]!)
      }${figure(name, "retries", "run.retried", f["run.retried"]!)}${
        figure(name, "throttled (429)", "run.throttled", f["run.throttled"]!)
      }${figure(name, "unavailable (503)", "run.unavailable", f["run.unavailable"]!)}${
        figure(name, "p50 · p95 · p99", "run.latency", f["run.latency"]!, true)
      }`
      : ""
  }
</dl>
${
    charted
      ? html`<div class="grid">${chartPanel(name, CHARTS[0]!)}${
        view.live ? limiterPanel(name, f, view.controls) : ran ? lastRunPanel(name, f) : ""
      }${CHARTS.slice(1).map((chart) => chartPanel(name, chart))}${
        view.costed ? chartPanel(name, UNITS_CHART) : ""
      }</div>
${jsonData("data-history", name, view.history)}`
      : ""
  }
<div class="grid tables">
<section class="panel"><h3>Failed items by class</h3>${classesTable(name, view.reads.classes)}
${reasonsTable(name, view.reads.reasons)}</section>
<section class="panel"><h3>Workers</h3>${workersTable(name, view.reads.workers)}</section>
</div>
</section>`;
}

/** The overview: every job, the one running in this process first. */
export function overviewBody(jobs: JobView[]): Html {
  if (jobs.length === 0) return html`<p class="muted">No jobs in this database yet.</p>`;
  return html`${[...jobs].sort((a, b) => Number(b.live) - Number(a.live)).map(jobSection)}`;
}
