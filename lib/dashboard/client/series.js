// The charts' series, from history points: levels as they are, rates as the
// differences of the cumulative counters over the time between two points.

/** A gap longer than this between two points breaks a line instead of averaging over it. */
const GAP_S = 120;

export function short(v) {
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
export function derive(points) {
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
    unavailable: [],
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
    // Points since schema 5 (they have statuses) say what the last seconds measured, and
    // nothing when nothing was sent; older ones only have the percentiles since the start.
    const recent = p.statuses !== undefined;
    d.p50.push((recent ? p.recentP50Ms : p.p50Ms) ?? null);
    d.p95.push((recent ? p.recentP95Ms : p.p95Ms) ?? null);
    d.p99.push(p.recentP99Ms ?? null);
    for (
      const [key, cls] of [["s2xx", "2xx"], ["s4xx", "4xx"], ["s429", "429"], ["s5xx", "5xx"]]
    ) {
      d[key].push(rate(classes?.[cls], previousClasses?.[cls]));
    }
    d.serr.push(rate(classes?.error, previousClasses?.error));
    d.retries.push(rate(p.retried, previous?.retried));
    // 429s and 503s by the statuses answered (an older run's `throttled` counted both).
    d.throttled.push(
      p.statuses
        ? rate(
          p.statuses["429"] ?? 0,
          previous?.statuses ? previous.statuses["429"] ?? 0 : undefined,
        )
        : rate(p.throttled, previous?.throttled),
    );
    d.unavailable.push(
      p.statuses
        ? rate(
          p.statuses["503"] ?? 0,
          previous?.statuses ? previous.statuses["503"] ?? 0 : undefined,
        )
        : null,
    );
    d.inflight.push(p.inflight ?? null);
    d.concurrency.push(p.concurrency ?? null);
    if (p.cooldownUntil > p.at) d.spans.push([p.at / 1000, p.cooldownUntil / 1000, "cooldown"]);
    if (p.breakerUntil > p.at) d.spans.push([p.at / 1000, p.breakerUntil / 1000, "breaker"]);
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
  deriveUnits(points, d);
  return d;
}

/**
 * Each cost unit's series: spent per second (`spent:<unit>`), what was left of
 * its tightest limit (`left:<unit>`), and the spans of time a unit's limit set
 * the pace (`paceSpans`). `d.units` lists the units in the order they appear.
 */
function deriveUnits(points, d) {
  d.units = [];
  d.paceSpans = [];
  for (const p of points) {
    for (const u of p.units ?? []) if (!d.units.includes(u.unit)) d.units.push(u.unit);
  }
  for (const unit of d.units) {
    d[`spent:${unit}`] = [];
    d[`left:${unit}`] = [];
  }
  let previous;
  let pacedFrom;
  for (const p of points) {
    const dt = previous ? (p.at - previous.at) / 1000 : 0;
    const ok = previous && dt > 0 && dt <= GAP_S;
    for (const unit of d.units) {
      const now = p.units?.find((u) => u.unit === unit);
      const before = previous?.units?.find((u) => u.unit === unit);
      // A lower count than before means a new run started from zero.
      d[`spent:${unit}`].push(
        ok && now && before
          ? (now.spent >= before.spent ? now.spent - before.spent : now.spent) / dt
          : null,
      );
      d[`left:${unit}`].push(now?.left ?? null);
    }
    const paced = (p.units ?? []).some((u) => u.pacing);
    if (paced && pacedFrom === undefined) pacedFrom = p.at;
    if (!paced && pacedFrom !== undefined) {
      d.paceSpans.push([pacedFrom / 1000, p.at / 1000, "pace"]);
      pacedFrom = undefined;
    }
    previous = p;
  }
  if (pacedFrom !== undefined && previous) {
    d.paceSpans.push([pacedFrom / 1000, previous.at / 1000 + 1, "pace"]);
  }
}
