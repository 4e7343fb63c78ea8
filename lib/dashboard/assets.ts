/**
 * The dashboard's stylesheet and script, served by the app itself (no CDN),
 * so it works offline and inside a compiled binary. The script only reads
 * JSON from the server and writes text with `textContent`, never HTML; it
 * finds a job's elements by comparing data attributes, never by building a
 * CSS selector from a job's name (which may hold quotes or brackets).
 *
 * @module
 */

/** The stylesheet. */
export const DASHBOARD_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; } h1 a { color: inherit; text-decoration: none; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
section.job { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
.bar { height: 10px; background: #e8ebf0; border-radius: 5px; overflow: hidden; display: flex; }
.bar .done { background: #2f9e6b; } .bar .failed { background: #d9534f; }
dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .5rem 1rem; margin: .75rem 0; }
dl.figures dt { font-size: .75rem; color: #5b6475; } dl.figures dd { margin: 0; font-size: 1.15rem; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; background: #fff; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e8ebf0; vertical-align: top; }
pre { background: #fff; border: 1px solid #dde1e8; padding: .5rem; overflow: auto; max-height: 20rem; white-space: pre-wrap; word-break: break-all; }
.muted { color: #5b6475; } .live { color: #2f9e6b; font-weight: 600; }
svg.chart { width: 100%; height: 80px; background: #fff; border: 1px solid #e8ebf0; }
svg.chart polyline { fill: none; stroke: #3869d4; stroke-width: 1.5; }
svg.chart polyline.p95 { stroke: #d98c1f; }
form.inline { display: inline-flex; gap: .5rem; align-items: center; margin-right: 1rem; }
`;

/** The script: live figures over server-sent events, charts redrawn from the points kept. */
export const DASHBOARD_JS = `
"use strict";
const charts = new Map();
function elements(selector, attribute, value) {
  return [...document.querySelectorAll(selector)].filter((el) => el.dataset[attribute] === value);
}
function draw(name, points) {
  for (const svg of elements("svg.chart[data-chart]", "chart", name)) {
    const lines = svg.querySelectorAll("polyline");
    const series = [points.map((p) => p[1]), points.map((p) => p[2] ?? 0)];
    const max = Math.max(1, ...series[0], ...(lines.length > 1 ? series[1] : []));
    lines.forEach((line, i) => {
      const values = series[i] ?? [];
      const step = values.length > 1 ? 300 / (values.length - 1) : 0;
      line.setAttribute("points", values.map((v, j) => (j * step).toFixed(1) + "," + (78 - (v / max) * 74).toFixed(1)).join(" "));
    });
  }
}
function update(data) {
  for (const el of document.querySelectorAll("[data-field]")) {
    // Field names hold no "|"; job names may.
    const split = el.dataset.field.lastIndexOf("|");
    const job = el.dataset.field.slice(0, split);
    const field = el.dataset.field.slice(split + 1);
    const figures = data.jobs[job];
    if (!figures || !(field in figures)) continue;
    const value = figures[field];
    el.textContent = typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(1)) : String(value ?? "");
  }
  for (const [job, figures] of Object.entries(data.jobs)) {
    if (figures.rate === undefined) continue;
    const kept = charts.get(job) ?? { rate: [], latency: [] };
    kept.rate.push([figures.at, figures.rate]);
    kept.latency.push([figures.at, figures.p50Ms ?? 0, figures.p95Ms ?? 0]);
    for (const key of ["rate", "latency"]) if (kept[key].length > 300) kept[key].shift();
    charts.set(job, kept);
    draw(job + "|rate", kept.rate);
    draw(job + "|latency", kept.latency);
    for (const bar of elements(".bar[data-job]", "job", job)) {
      const total = Math.max(1, figures.total);
      bar.querySelector(".done").style.width = (100 * figures.done / total) + "%";
      bar.querySelector(".failed").style.width = (100 * figures.failed / total) + "%";
    }
  }
}
function seed() {
  for (const el of document.querySelectorAll("script[type='application/json'][data-history]")) {
    const job = el.dataset.history;
    const points = JSON.parse(el.textContent);
    charts.set(job, { rate: points.map((p) => [p.at, p.rate]), latency: points.map((p) => [p.at, p.p50Ms ?? 0, p.p95Ms ?? 0]) });
    draw(job + "|rate", charts.get(job).rate);
    draw(job + "|latency", charts.get(job).latency);
  }
}
seed();
if (document.body.dataset.events) {
  const source = new EventSource(document.body.dataset.events);
  source.addEventListener("stats", (event) => update(JSON.parse(event.data)));
}
`;
