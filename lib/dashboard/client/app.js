// The dashboard's script, served by the app itself (no CDN). It reads JSON
// from the server and writes text with textContent, never HTML; it finds a
// job's elements by comparing data attributes, never by building a CSS
// selector from a job's name (which may hold quotes or brackets).
//
// Charts are drawn by uPlot (/assets/uplot.js) from history points: the
// history in the page, then one point a second from the live updates. The
// points hold cumulative counters; rates are their differences over time.
"use strict";

(() => {
  const COLORS = {
    blue: "#3869d4",
    green: "#2f9e6b",
    orange: "#d98c1f",
    red: "#d9534f",
    purple: "#8a4fd1",
    gray: "#7a8394",
    teal: "#1b9aaa",
  };
  const KEEP = 5000;
  const REASONS_SHOWN = 8;
  const GAP_S = 120;

  /** Elements matching `selector` whose `data-<attribute>` is `value`. */
  function byData(selector, attribute, value) {
    return [...document.querySelectorAll(selector)].filter((el) => el.dataset[attribute] === value);
  }

  /** `job|field` to [job, field]: field names hold no "|", job names may. */
  function splitKey(text) {
    const at = text.lastIndexOf("|");
    return [text.slice(0, at), text.slice(at + 1)];
  }

  function short(v) {
    const a = Math.abs(v);
    if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
    if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
    if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
    return String(+v.toPrecision(2));
  }

  function statusClass(code) {
    if (code === "429") return "429";
    if (/^2\d\d$/.test(code)) return "2xx";
    if (/^4\d\d$/.test(code)) return "4xx";
    if (/^5\d\d$/.test(code)) return "5xx";
    if (/^[13]\d\d$/.test(code)) return "other";
    return "error";
  }

  function byClass(statuses) {
    if (!statuses) return undefined;
    const out = { "2xx": 0, "4xx": 0, "429": 0, "5xx": 0, error: 0, other: 0 };
    for (const [code, n] of Object.entries(statuses)) out[statusClass(code)] += n;
    return out;
  }

  /** Per-second rates and levels of every chart, from the points. */
  function derive(points) {
    const d = {
      x: [],
      reqs: [],
      items: [],
      limit: [],
      p50: [],
      p95: [],
      p99: [],
      s2xx: [],
      s4xx: [],
      s429: [],
      s5xx: [],
      serr: [],
      retries: [],
      throttled: [],
      inflight: [],
      concurrency: [],
      spans: [],
    };
    let previous;
    let previousClasses;
    let pausedFrom;
    for (const p of points) {
      const classes = byClass(p.statuses);
      const dt = previous ? (p.at - previous.at) / 1000 : 0;
      const ok = previous && dt > 0 && dt <= GAP_S;
      // A counter lower than before means a new run started from zero.
      const rate = (now, before) =>
        !ok || now === undefined || before === undefined || now === null || before === null
          ? null
          : (now >= before ? now - before : now) / dt;
      d.x.push(p.at / 1000);
      d.reqs.push(rate(p.sent, previous?.sent));
      d.items.push(rate(p.done + p.failed, previous && previous.done + previous.failed));
      d.limit.push(p.rateLimit ?? null);
      d.p50.push(p.recentP50Ms ?? p.p50Ms ?? null);
      d.p95.push(p.recentP95Ms ?? p.p95Ms ?? null);
      d.p99.push(p.recentP99Ms ?? null);
      for (
        const [key, cls] of [["s2xx", "2xx"], ["s4xx", "4xx"], ["s429", "429"], ["s5xx", "5xx"]]
      ) {
        d[key].push(rate(classes?.[cls], previousClasses?.[cls]));
      }
      d.serr.push(rate(classes?.error, previousClasses?.error));
      d.retries.push(rate(p.retried, previous?.retried));
      d.throttled.push(rate(p.throttled, previous?.throttled));
      d.inflight.push(p.inflight ?? null);
      d.concurrency.push(p.concurrency ?? null);
      if (p.cooldownUntil > p.at) d.spans.push([p.at / 1000, p.cooldownUntil / 1000, "cooldown"]);
      if (p.paused && pausedFrom === undefined) pausedFrom = p.at;
      if (!p.paused && pausedFrom !== undefined) {
        d.spans.push([pausedFrom / 1000, p.at / 1000, "paused"]);
        pausedFrom = undefined;
      }
      previous = p;
      previousClasses = classes;
    }
    if (pausedFrom !== undefined && previous) {
      d.spans.push([pausedFrom / 1000, previous.at / 1000 + 1, "paused"]);
    }
    return d;
  }

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
        ["429s", COLORS.purple, "throttled"],
      ],
    },
    inflight: {
      unit: "",
      series: [
        ["in flight", COLORS.blue, "inflight"],
        ["concurrency", COLORS.gray, "concurrency", dashed],
      ],
    },
  };

  const SPAN_FILL = { cooldown: "rgba(217, 140, 31, 0.16)", paused: "rgba(91, 100, 117, 0.14)" };
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

  // Away from the cursor, the legend shows each series' latest value.
  function latest(u, seriesIndex) {
    const values = u.data[seriesIndex] ?? [];
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
    return null;
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

  function makeChart(el, kind) {
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
        { label: "time", value: (_u, v) => (v === null ? "latest" : timeText(v)) },
        ...spec.series.map(([label, stroke, , extra]) => ({
          label,
          stroke,
          width: 1.5,
          points: { show: false },
          value: (u, v, seriesIndex, index) => {
            const shown = index === null ? latest(u, seriesIndex) : v;
            return shown === null || shown === undefined ? "—" : `${short(shown)}${spec.unit}`;
          },
          ...extra,
        })),
      ],
      hooks: spec.spans ? { drawClear: [drawSpans] } : {},
    };
    const empty = [[], ...spec.series.map(() => [])];
    const chart = new uPlot(options, empty, el);
    new ResizeObserver(() => {
      const width = Math.max(240, el.clientWidth);
      if (width !== chart.width) chart.setSize({ width, height: 190 });
    }).observe(el);
    return chart;
  }

  /** Every job's points and charts. */
  const jobs = new Map();
  /** The figures that came while the tab was hidden, latest first by job. */
  let hiddenUpdate;

  function mergeUpdates(older, newer) {
    if (!older) return newer;
    const jobs = { ...older.jobs };
    for (const [job, figures] of Object.entries(newer.jobs)) {
      jobs[job] = { ...jobs[job], ...figures };
    }
    return { ...newer, jobs };
  }

  function jobState(job) {
    let state = jobs.get(job);
    if (!state) {
      state = { points: [], charts: [] };
      for (const el of document.querySelectorAll("[data-chart]")) {
        const [name, kind] = splitKey(el.dataset.chart);
        if (name === job && CHARTS[kind] && typeof uPlot !== "undefined") {
          const chart = { el, kind, chart: makeChart(el, kind), stale: true, visible: !sight };
          state.charts.push(chart);
          chartOf.set(el, { state, chart });
          sight?.observe(el);
        }
      }
      jobs.set(job, state);
    }
    return state;
  }

  // Charts out of sight (scrolled away, or in a tab in the background) are drawn when they
  // come into sight: an open dashboard costs its browser, on the machine that runs the job,
  // little more than the charts someone looks at.
  function draw(state) {
    if (document.hidden || !state.derived) return;
    const d = state.derived;
    for (const c of state.charts) {
      if (!c.stale || !c.visible) continue;
      const spec = CHARTS[c.kind];
      if (spec.spans) spansOf.set(c.chart, d.spans);
      c.chart.setData([d.x, ...spec.series.map(([, , key]) => d[key])]);
      c.stale = false;
    }
  }

  function redraw(state) {
    // In a tab in the background, the points are kept and worked out once it shows again.
    if (document.hidden) {
      state.derived = undefined;
      return;
    }
    const d = derive(state.points);
    state.derived = d;
    for (const c of state.charts) {
      c.stale = true;
      // What the chart holds, drawn or not yet: the values that are not gaps.
      const values = CHARTS[c.kind].series.reduce(
        (n, [, , key]) => n + d[key].filter((v) => v !== null && v !== undefined).length,
        0,
      );
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
  const chartOf = new Map();
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    if (hiddenUpdate) update(hiddenUpdate);
    hiddenUpdate = undefined;
    for (const state of jobs.values()) state.derived ? draw(state) : redraw(state);
  });

  function addPoints(job, points) {
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

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  const CLASS_NAMES = {
    http_4xx: "4xx",
    http_5xx: "5xx",
    throttled: "429",
    render: "bad template",
    body_too_large: "body too large",
    too_many_redirects: "too many redirects",
    process: "processing",
  };

  function renderTable(job, name, rows, fill) {
    const key = `${job}|${name}`;
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
      row.className = w.alive ? "" : "gone";
      const host = cell(row, w.host, "host");
      if (w.here) {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "this process";
        host.append(" ", tag);
      }
      cell(row, String(w.pid), "num");
      cell(row, w.done, "num");
      cell(row, w.share, "num");
      cell(row, w.heartbeat);
    });
  }

  const STATE_CLASS = {
    "running": "ok",
    "finished": "done",
    "paused": "warn",
    "cooling down": "warn",
    "breaker open": "bad",
    "not running": "idle",
  };

  function setState(job, state) {
    for (const el of byData("[data-state]", "state", job)) {
      el.textContent = state;
      el.className = `state ${STATE_CLASS[state] ?? "idle"}`;
    }
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
          bar.querySelector(".done").style.width = `${(100 * figures.done) / total}%`;
          bar.querySelector(".failed").style.width = `${(100 * figures.failed) / total}%`;
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
  for (const el of document.querySelectorAll("[data-chart]")) {
    jobState(splitKey(el.dataset.chart)[0]);
  }

  if (document.body.dataset.events) {
    const source = new EventSource(document.body.dataset.events);
    source.addEventListener("stats", (event) => {
      const data = JSON.parse(event.data);
      if (!document.hidden) return update(data);
      // Hidden: keep every point, show only the latest figures when the tab comes back.
      for (const [job, figures] of Object.entries(data.jobs)) {
        if (figures.point) addPoints(job, [figures.point]);
        if (figures.points) addPoints(job, figures.points);
        delete figures.point;
        delete figures.points;
      }
      hiddenUpdate = mergeUpdates(hiddenUpdate, data);
    });
  }
})();
