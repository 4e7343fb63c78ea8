// The charts, drawn by uPlot (/assets/uplot.js, the global `uPlot`) from each
// job's history points: those in the page, then one a second from the live
// updates. A chart is drawn only while it can be seen.
import { byData, splitKey } from "./dom.js";
import { derive, short } from "./series.js";

const COLORS = {
  blue: "#3869d4",
  green: "#2f9e6b",
  orange: "#d98c1f",
  red: "#d9534f",
  purple: "#8a4fd1",
  gray: "#7a8394",
  teal: "#1b9aaa",
};
/** Points kept per job. */
const KEEP = 5000;

const dashed = { dash: [5, 4], width: 1.25 };
const CHARTS = {
  throughput: {
    unit: "/s",
    series: [
      ["requests sent", COLORS.blue, "reqs"],
      ["items finished", COLORS.green, "items"],
      ["allowed", COLORS.gray, "limit", dashed],
    ],
  },
  latency: {
    unit: " ms",
    // Logarithmic: p50 and p99 often differ tenfold.
    log: true,
    series: [
      ["p50", COLORS.teal, "p50"],
      ["p95", COLORS.orange, "p95"],
      ["p99", COLORS.red, "p99"],
    ],
  },
  statuses: {
    unit: "/s",
    series: [
      ["2xx", COLORS.green, "s2xx"],
      ["4xx", COLORS.orange, "s4xx"],
      ["429", COLORS.purple, "s429"],
      ["5xx", COLORS.red, "s5xx"],
      ["network/timeout", COLORS.gray, "serr"],
    ],
  },
  retries: {
    unit: "/s",
    spans: true,
    series: [
      ["retries", COLORS.orange, "retries"],
      ["429 throttled", COLORS.purple, "throttled"],
      ["503 unavailable", COLORS.red, "unavailable"],
    ],
  },
  inflight: {
    unit: "",
    series: [
      ["in flight", COLORS.blue, "inflight"],
      ["concurrency", COLORS.gray, "concurrency", dashed],
    ],
  },
  // Each cost unit: spent per second, and (dashed) what is left of its tightest
  // limit; shaded while a unit's limit sets the pace. Its series are known once
  // the points name their units.
  units: {
    unit: "",
    spans: "paceSpans",
    seriesOf: (d) =>
      d.units.flatMap((unit, i) => {
        const color = UNIT_COLORS[i % UNIT_COLORS.length];
        return [
          [`${unit} spent`, color, `spent:${unit}`, {}, "/s"],
          [`${unit} left`, color, `left:${unit}`, dashed, ""],
        ];
      }),
  },
};
const UNIT_COLORS = [COLORS.teal, COLORS.purple, COLORS.orange, COLORS.blue, COLORS.red];

/** A chart's series: fixed, or made from the derived points (cost units). */
function seriesOf(spec, d) {
  return spec.seriesOf ? (d ? spec.seriesOf(d) : []) : spec.series;
}

const SPAN_FILL = {
  cooldown: "rgba(217, 140, 31, 0.16)",
  breaker: "rgba(217, 83, 79, 0.14)",
  paused: "rgba(91, 100, 117, 0.14)",
  pace: "rgba(27, 154, 170, 0.12)",
};
const spansOf = new WeakMap();

function drawSpans(u) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  for (const [from, to, kind] of spansOf.get(u) ?? []) {
    const x0 = Math.max(left, u.valToPos(from, "x", true));
    const x1 = Math.min(left + width, u.valToPos(to, "x", true));
    if (x1 <= x0) continue;
    ctx.fillStyle = SPAN_FILL[kind];
    ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
  }
  ctx.restore();
}

function timeText(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });
}

// Hours, minutes and seconds; the date too when the chart spans more than a day.
function timeTicks(u, splits) {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  return splits.map((s) => {
    const at = new Date(s * 1000);
    if (span <= 86_400) return at.toLocaleTimeString([], { hour12: false });
    return `${at.toLocaleDateString([], { month: "short", day: "numeric" })} ${
      at.toLocaleTimeString([], { hour12: false, hour: "2-digit", minute: "2-digit" })
    }`;
  });
}

// Away from the cursor, the legend shows each series' value at the last point: now while
// the job runs (a gap there is "—": nothing now, not an older value), its final value after.
function latest(u, seriesIndex) {
  const values = u.data[seriesIndex] ?? [];
  return values.length > 0 ? values[values.length - 1] : null;
}

// What the legend's time says away from the cursor: the job's state decides.
function lastLabel(job) {
  const state = byData("[data-state]", "state", job)[0]?.dataset.is;
  return state === "finished" || state === "not running" ? "end of run" : "now";
}

const AXIS = {
  stroke: "#5b6475",
  grid: { stroke: "#eceef2", width: 1 },
  ticks: { stroke: "#dde1e8", width: 1, size: 4 },
  font: "11px system-ui, sans-serif",
};

// On a log scale, grid lines and ticks at the powers of ten only.
const decades = (_u, splits) =>
  splits.map((
    v,
  ) => (v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? v : null));

function makeChart(el, kind, job, series) {
  const spec = CHARTS[kind];
  const options = {
    width: Math.max(240, el.clientWidth),
    height: 190,
    legend: { live: true },
    cursor: { drag: { x: true, y: false }, points: { size: 6 } },
    scales: {
      x: { time: true },
      y: spec.log
        ? { distr: 3, log: 10 }
        : { range: (_u, _min, max) => [0, max > 0 ? max * 1.12 : 1] },
    },
    axes: [
      { ...AXIS, space: 72, values: timeTicks },
      {
        ...AXIS,
        ...(spec.log
          ? { grid: { ...AXIS.grid, filter: decades }, ticks: { ...AXIS.ticks, filter: decades } }
          : {}),
        size: 58,
        // A log scale leaves some ticks without a label (null).
        values: (_u, splits) => splits.map((v) => (v === null ? "" : `${short(v)}${spec.unit}`)),
      },
    ],
    series: [
      { label: "time", value: (_u, v) => (v === null ? lastLabel(job) : timeText(v)) },
      ...series.map(([label, stroke, , extra, suffix = spec.unit]) => ({
        label,
        stroke,
        width: 1.5,
        points: { show: false },
        value: (u, v, seriesIndex, index) => {
          const shown = index === null ? latest(u, seriesIndex) : v;
          return shown === null || shown === undefined ? "—" : `${short(shown)}${suffix}`;
        },
        ...extra,
      })),
    ],
    hooks: spec.spans ? { drawClear: [drawSpans] } : {},
  };
  const empty = [[], ...series.map(() => [])];
  const chart = new uPlot(options, empty, el);
  const resize = new ResizeObserver(() => {
    const width = Math.max(240, el.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: 190 });
  });
  resize.observe(el);
  chart.stopResizing = () => resize.disconnect();
  return chart;
}

/** Every job's points and charts, and each chart element's. */
const jobs = new Map();
const chartOf = new Map();

function jobState(job) {
  let state = jobs.get(job);
  if (!state) {
    state = { job, points: [], charts: undefined };
    jobs.set(job, state);
  }
  // A tab opened in the background makes its charts when it is first shown:
  // until then it only keeps the points.
  if (!state.charts && !document.hidden) makeCharts(state);
  return state;
}

function makeCharts(state) {
  state.charts = [];
  if (typeof uPlot === "undefined") return;
  for (const el of document.querySelectorAll("[data-chart]")) {
    const [name, kind] = splitKey(el.dataset.chart);
    if (name === state.job && CHARTS[kind]) {
      // A chart whose series come from the points is made once they name them.
      const spec = CHARTS[kind];
      const made = spec.seriesOf ? undefined : makeChart(el, kind, name, spec.series);
      const chart = { el, kind, chart: made, stale: true, visible: !sight };
      state.charts.push(chart);
      chartOf.set(el, { state, chart });
      sight?.observe(el);
    }
  }
}

// Charts out of sight (scrolled away, or in a tab in the background) are drawn when they
// come into sight: an open dashboard costs its browser, on the machine that runs the job,
// little more than the charts someone looks at.
function draw(state) {
  if (document.hidden || !state.derived || !state.charts) return;
  const d = state.derived;
  for (const c of state.charts) {
    if (!c.stale || !c.visible) continue;
    const spec = CHARTS[c.kind];
    const series = seriesOf(spec, d);
    if (spec.seriesOf) {
      const keys = series.map(([, , key]) => key).join("\n");
      if (keys !== c.keys) {
        c.chart?.stopResizing();
        c.chart?.destroy();
        c.chart = series.length > 0 ? makeChart(c.el, c.kind, state.job, series) : undefined;
        c.keys = keys;
      }
      if (!c.chart) continue;
    }
    if (spec.spans) spansOf.set(c.chart, d[spec.spans === true ? "spans" : spec.spans]);
    c.chart.setData([d.x, ...series.map(([, , key]) => d[key])]);
    c.stale = false;
  }
}

function redraw(state) {
  // In a tab in the background, the points are kept and worked out once it shows again.
  if (document.hidden || !state.charts) {
    state.derived = undefined;
    return;
  }
  const d = derive(state.points);
  state.derived = d;
  for (const c of state.charts) {
    c.stale = true;
    // What the chart holds, drawn or not yet: the values that are not gaps.
    let values = 0;
    for (const [, , key] of seriesOf(CHARTS[c.kind], d)) {
      for (const v of d[key]) if (v !== null && v !== undefined) values++;
    }
    c.el.dataset.points = String(values);
  }
  draw(state);
}

const sight = typeof IntersectionObserver === "undefined" ? undefined : new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const found = chartOf.get(entry.target);
      if (!found) continue;
      found.chart.visible = entry.isIntersecting;
      draw(found.state);
    }
  },
);
export function addPoints(job, points) {
  const state = jobState(job);
  let added = false;
  for (const p of points) {
    if (p.at > (state.points.at(-1)?.at ?? -Infinity)) {
      state.points.push(p);
      added = true;
    }
  }
  if (state.points.length > KEEP) state.points.splice(0, state.points.length - KEEP);
  if (added) redraw(state);
}

/** Draws, once the tab shows again, what changed while it was hidden. */
export function redrawAll() {
  for (const state of jobs.values()) {
    jobState(state.job);
    state.derived ? draw(state) : redraw(state);
  }
}

/** Sets up the charts of every job on the page. */
export function setUpCharts() {
  for (const el of document.querySelectorAll("[data-chart]")) {
    jobState(splitKey(el.dataset.chart)[0]);
  }
}
