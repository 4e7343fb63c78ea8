// The dashboard's script, served by the app itself (no CDN). It reads JSON
// from the server and writes text with textContent, never HTML, and finds a
// job's elements by their data attributes (./dom.js). Figures, tables and the
// state come from the live updates, once a second; charts from ./charts.js.
import { addPoints, redrawAll, setUpCharts } from "./charts.js";
import { byData, splitKey } from "./dom.js";

const REASONS_SHOWN = 8;
/**
 * A tab hidden longer than this reloads when shown (its chart history from the
 * database) instead of catching up from the server's memory of recent points.
 */
const CATCH_UP_MS = 10 * 60_000;

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

const CLASS_NAMES = {
  http_4xx: "4xx",
  http_5xx: "5xx",
  throttled: "429 throttled",
  render: "bad template",
  body_too_large: "body too large",
  too_many_redirects: "too many redirects",
  process: "processing",
};

/** Each table's rows as last drawn, as JSON: a table is rebuilt only when they change. */
const drawnRows = new Map();

function renderTable(job, name, rows, fill) {
  const key = `${job}|${name}`;
  const text = JSON.stringify(rows);
  if (drawnRows.get(key) === text) return;
  drawnRows.set(key, text);
  for (const body of byData("tbody[data-table]", "table", key)) {
    body.replaceChildren();
    for (const row of rows) fill(body.insertRow(), row);
  }
  for (const table of byData("table[data-hide-empty]", "hideEmpty", key)) {
    table.hidden = rows.length === 0;
  }
  for (const note of byData("[data-empty]", "empty", key)) note.hidden = rows.length > 0;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function renderClasses(job, classes) {
  renderTable(job, "classes", Object.entries(classes), (row, [cls, n]) => {
    const failed = `/jobs/${encodeURIComponent(job)}/failed`;
    row.insertCell().append(
      link(`${failed}?class=${encodeURIComponent(cls)}`, CLASS_NAMES[cls] ?? cls),
    );
    cell(row, n.toLocaleString("en-US"), "num");
  });
}

function renderReasons(job, reasons) {
  const rows = Object.entries(reasons).slice(0, REASONS_SHOWN);
  renderTable(job, "reasons", rows, (row, [reason, n]) => {
    const failed = `/jobs/${encodeURIComponent(job)}/failed`;
    row.insertCell().append(link(`${failed}?reason=${encodeURIComponent(reason)}`, reason));
    cell(row, n.toLocaleString("en-US"), "num");
  });
}

function renderWorkers(job, workers) {
  renderTable(job, "workers", workers, (row, w) => {
    row.className = w.rest ? "rest" : w.alive ? "" : "gone";
    const host = cell(row, w.host, "host");
    if (w.here) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = "this process";
      host.append(" ", tag);
    }
    cell(row, w.rest ? "" : String(w.pid), "num");
    cell(row, w.done, "num");
    cell(row, w.share, "num");
    cell(row, w.heartbeat);
  });
}

function setState(job, state) {
  for (const el of byData("[data-state]", "state", job)) {
    if (el.dataset.is === state && el.textContent === state) continue;
    el.textContent = state;
    el.dataset.is = state; // its colour, by the stylesheet
  }
}

/** Each progress bar's width as last written. */
const widths = new WeakMap();

// Written only when it moves by a tenth of a percent or more: each write lays the bar out again.
function setWidth(el, percent) {
  const width = `${percent.toFixed(1)}%`;
  if (widths.get(el) === width) return;
  widths.set(el, width);
  el.style.width = width;
}

function update(data) {
  for (const el of document.querySelectorAll("[data-field]")) {
    const [job, field] = splitKey(el.dataset.field);
    const text = data.jobs[job]?.fields?.[field];
    if (text !== undefined && el.textContent !== text) el.textContent = text;
  }
  for (const [job, figures] of Object.entries(data.jobs)) {
    if (figures.state) setState(job, figures.state);
    if (figures.total !== undefined) {
      for (const bar of byData(".bar[data-job]", "job", job)) {
        const total = Math.max(1, figures.total);
        setWidth(bar.querySelector(".done"), (100 * figures.done) / total);
        setWidth(bar.querySelector(".failed"), (100 * figures.failed) / total);
      }
    }
    if (figures.point) addPoints(job, [figures.point]);
    if (figures.points) addPoints(job, figures.points);
    if (figures.classes) renderClasses(job, figures.classes);
    if (figures.reasons) renderReasons(job, figures.reasons);
    if (figures.workers) renderWorkers(job, figures.workers);
  }
}

// Pause, resume and rate: posted in place with the cookie; without this script the
// forms post and come back to the page.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-control]");
  if (!form) return;
  event.preventDefault();
  const box = form.closest("[data-controls]");
  const error = box?.querySelector(".control-error");
  const res = await fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { "x-sluice-request": "1", accept: "application/json" },
  }).catch((e) => new Response(JSON.stringify({ error: String(e) }), { status: 599 }));
  const body = await res.json().catch(() => ({}));
  if (error) error.textContent = res.ok ? "" : (body.error ?? `HTTP ${res.status}`);
  if (!res.ok || !box) return;
  const toggle = box.querySelector("form[data-control='toggle']");
  const action = body.paused ? "resume" : "pause";
  toggle.action = `/api/${action}`;
  const button = toggle.querySelector("button");
  button.textContent = action;
  if (typeof body.rate === "string") box.querySelector("input[name='rate']").value = body.rate;
  setState(box.dataset.controls, body.paused ? "paused" : "running");
});

for (const el of document.querySelectorAll("script[type='application/json'][data-history]")) {
  addPoints(el.dataset.history, JSON.parse(el.textContent));
}
setUpCharts();

// Live updates while the tab is in sight. A tab in the background closes its
// stream, so it costs its browser and the server nothing; shown again, it
// opens it with the id of the last update it had, and the server first sends
// every point made since.
const events = document.body.dataset.events;
let source;
let lastId = Number(new URL(events ?? "/", location.href).searchParams.get("since")) || 0;
let hiddenAt = document.hidden ? Date.now() : undefined;

function listen() {
  const url = new URL(events, location.href);
  url.searchParams.set("since", String(lastId));
  source = new EventSource(url);
  source.addEventListener("stats", (event) => {
    lastId = Number(event.lastEventId) || lastId;
    update(JSON.parse(event.data));
  });
}

document.addEventListener("visibilitychange", () => {
  if (!events) return;
  if (document.hidden) {
    source?.close();
    source = undefined;
    hiddenAt = Date.now();
    return;
  }
  if (hiddenAt !== undefined && Date.now() - hiddenAt > CATCH_UP_MS) return location.reload();
  hiddenAt = undefined;
  redrawAll();
  if (!source) listen();
});

if (events && !document.hidden) listen();
