/**
 * Prometheus text exposition (format 0.0.4) of job counts and of the running
 * job's statistics, in Prometheus' conventions: base units (seconds),
 * `_total` counters, response times as a histogram. `promtool check metrics`
 * finds nothing to say about it (tests/dashboard/metrics_test.ts).
 *
 * @module
 */
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { JobCounts } from "../store/store.ts";
import type { UnitFigures } from "./unit_view.ts";

/** What is known of the running job beyond its statistics. */
export interface LiveGauges {
  /** Requests per second the limiter allows now (undefined: no limit). */
  allowedRate?: number | undefined;
  /** Requests sent and not yet answered. */
  inflight?: number | undefined;
  /** Requests allowed in flight at once. */
  concurrency?: number | undefined;
  /** True while a person paused sending. */
  paused: boolean;
  /** Seconds left of the job's cooldown: a Retry-After, or a backoff after 429s/503s (0 when none). */
  cooldownSeconds: number;
  /** Seconds left of an open circuit breaker before its probe (0 when closed). @default 0 */
  breakerSeconds?: number;
  /** Cooldowns the job started in this run. @default undefined (not known) */
  cooldowns?: number | undefined;
  /** What sets the pace now: `--rate 20/s`, `--rate tokens=90,000/min`, `server quota "tokens"`. @default undefined */
  pace?: string | undefined;
  /** Each cost unit besides requests. @default undefined (none) */
  units?: readonly UnitFigures[] | undefined;
}

/** One job's figures for {@linkcode prometheusText}. */
export interface JobMetrics {
  /** The job's name (the `job` label). */
  name: string;
  /** Its items by state, as the database has them. */
  counts: JobCounts;
  /** The statistics of the run in this process, if it runs this job. */
  live?: StatsSnapshot | undefined;
  /** Gauges of the run in this process. */
  gauges?: LiveGauges | undefined;
}

type Sample = [labels: Record<string, string>, value: number];

function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs).map(([k, v]) => `${k}="${label(v)}"`).join(",");
}

/**
 * The class of a status key of `byStatus`: `2xx`, `429`, `4xx`, `5xx` (a 503
 * among them: unavailable, never counted as 429), `error` (no answer)…
 */
export function statusClass(status: string): string {
  if (status === "429") return "429";
  return /^[1-5]\d\d$/.test(status) ? `${status[0]}xx` : "error";
}

/** The outcome label of an attempt: `cooldown` for one re-queued for the job's cooldown. */
const OUTCOME_LABELS: Record<string, string> = { throttled: "cooldown" };

/**
 * Formats metrics in the Prometheus text format (version 0.0.4).
 *
 * @example Usage
 * ```ts
 * import { prometheusText } from "./metrics.ts";
 * import assert from "node:assert/strict";
 * const counts = { total: 3, pending: 1, inflight: 0, done: 2, failed: 0, possiblySent: 0 };
 * const text = prometheusText([{ name: "demo", counts }]);
 * assert.match(text, /^sluice_items\{job="demo",state="done"\} 2$/m);
 * assert.match(text, /^sluice_queue_depth\{job="demo"\} 1$/m);
 * ```
 */
export function prometheusText(jobs: JobMetrics[]): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, samples: Sample[]) => {
    if (samples.length === 0) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [pairs, value] of samples) lines.push(`${name}{${labels(pairs)}} ${value}`);
  };
  const perJob = (pick: (j: JobMetrics) => number | undefined): Sample[] =>
    jobs.flatMap((j) => {
      const value = pick(j);
      return value === undefined || !Number.isFinite(value) ? [] : [[{ job: j.name }, value]];
    });
  family(
    "sluice_items",
    "gauge",
    "Items of a job by state.",
    jobs.flatMap((j) =>
      (["pending", "inflight", "done", "failed"] as const).map((state): Sample => [
        { job: j.name, state },
        j.counts[state],
      ])
    ),
  );
  family(
    "sluice_queue_depth",
    "gauge",
    "Items of a job waiting to be sent (pending, retries included).",
    perJob((j) => j.counts.pending),
  );
  family(
    "sluice_items_possibly_sent_total",
    "counter",
    "Items found in flight after a crash (possibly sent twice).",
    perJob((j) => j.counts.possiblySent),
  );
  const live = jobs.filter((j) => j.live);
  const liveOnly = (pick: (s: StatsSnapshot, j: JobMetrics) => number | undefined) =>
    perJob((j) => j.live ? pick(j.live, j) : undefined);
  family("sluice_requests_total", "counter", "Requests sent by this run.", liveOnly((s) => s.sent));
  family(
    "sluice_responses_total",
    "counter",
    "Answers of this run by HTTP status (error: no answer).",
    live.flatMap((j) =>
      Object.entries(j.live!.byStatus).map(([status, n]): Sample => [{ job: j.name, status }, n])
    ),
  );
  family(
    "sluice_responses_by_class_total",
    "counter",
    "Answers of this run by status class: 2xx, 3xx, 4xx (not 429), 429, 5xx, error (network or timeout).",
    live.flatMap((j) => {
      const byClass = new Map<string, number>();
      for (const [status, n] of Object.entries(j.live!.byStatus)) {
        byClass.set(statusClass(status), (byClass.get(statusClass(status)) ?? 0) + n);
      }
      return [...byClass].sort().map(([cls, n]): Sample => [{ job: j.name, class: cls }, n]);
    }),
  );
  family(
    "sluice_attempts_total",
    "counter",
    "Attempts of this run by outcome: done, failed, retry (backoff, an attempt spent), cooldown (re-queued for the job's cooldown, no attempt spent: a 429, or a 503 with Retry-After).",
    live.flatMap((j) =>
      Object.entries(j.live!.outcomes ?? {}).map(([outcome, n]): Sample => [
        { job: j.name, outcome: OUTCOME_LABELS[outcome] ?? outcome },
        n,
      ])
    ),
  );
  family(
    "sluice_retries_total",
    "counter",
    "Attempts re-queued with backoff.",
    liveOnly((s) => s.retried),
  );
  family(
    "sluice_throttled_total",
    "counter",
    "Answers 429 (throttled).",
    liveOnly((s) => s.throttled),
  );
  family(
    "sluice_unavailable_total",
    "counter",
    "Answers 503 (unavailable), with or without Retry-After.",
    liveOnly((s) => s.unavailable ?? 0),
  );
  family(
    "sluice_cooldowns_total",
    "counter",
    "Cooldowns of the whole job started in this run (a Retry-After, or a backoff after 429s/503s without one).",
    liveOnly((_, j) => j.gauges?.cooldowns),
  );
  durationHistogram(lines, live);
  family(
    "sluice_completion_rate",
    "gauge",
    "Items finished per second, recent.",
    liveOnly((s) => s.rate),
  );
  family(
    "sluice_send_rate",
    "gauge",
    "Requests sent per second, recent.",
    liveOnly((s) => s.sendRate),
  );
  family(
    "sluice_allowed_rate",
    "gauge",
    "Requests per second the rate limiter allows now (0 while paused or cooling down).",
    liveOnly((_, j) => j.gauges?.allowedRate),
  );
  family(
    "sluice_requests_in_flight",
    "gauge",
    "Requests sent and not yet answered.",
    liveOnly((_, j) => j.gauges?.inflight),
  );
  family(
    "sluice_concurrency",
    "gauge",
    "Requests allowed in flight at once.",
    liveOnly((_, j) => j.gauges?.concurrency),
  );
  family(
    "sluice_paused",
    "gauge",
    "1 while sending is paused from the dashboard.",
    liveOnly((_, j) => j.gauges && Number(j.gauges.paused)),
  );
  family(
    "sluice_cooldown_seconds",
    "gauge",
    "Seconds left of the job's cooldown (a Retry-After, or a backoff after 429s/503s without one).",
    liveOnly((_, j) => j.gauges?.cooldownSeconds),
  );
  family(
    "sluice_breaker_open_seconds",
    "gauge",
    "Seconds left before an open circuit breaker lets its probe go (0 while closed).",
    liveOnly((_, j) => j.gauges && (j.gauges.breakerSeconds ?? 0)),
  );
  unitFamilies(family, live);
  return lines.join("\n") + "\n";
}

/** Each cost unit's use, what is left of it, and what sets the pace. */
function unitFamilies(
  family: (name: string, type: string, help: string, samples: Sample[]) => void,
  live: JobMetrics[],
): void {
  const perUnit = (pick: (u: UnitFigures) => number | undefined): Sample[] =>
    live.flatMap((j) =>
      (j.gauges?.units ?? []).flatMap((u): Sample[] => {
        const value = pick(u);
        return value === undefined ? [] : [[{ job: j.name, unit: u.unit }, value]];
      })
    );
  family(
    "sluice_unit_spent_total",
    "counter",
    "Cost units (tokens, points) this run spent: usage the answers reported, estimates of those that reported none.",
    perUnit((u) => u.spent),
  );
  family(
    "sluice_unit_remaining",
    "gauge",
    "What may still be spent of a cost unit now, before the tightest of its limits holds.",
    perUnit((u) => u.left === undefined ? undefined : Math.max(0, u.left)),
  );
  family(
    "sluice_unit_per_request",
    "gauge",
    "A cost unit's mean usage per request, as the answers reported it.",
    perUnit((u) => u.settled > 0 ? u.estimate : undefined),
  );
  family(
    "sluice_pace_info",
    "gauge",
    "1, labelled with what sets the pace now: a window of --rate (of which unit), a server quota, paused, cooling down.",
    live.flatMap((j): Sample[] => j.gauges?.pace ? [[{ job: j.name, by: j.gauges.pace }, 1]] : []),
  );
}

function durationHistogram(lines: string[], live: JobMetrics[]): void {
  const name = "sluice_request_duration_seconds";
  const withData = live.filter((j) => j.live!.durations);
  if (withData.length === 0) return;
  lines.push(
    `# HELP ${name} Time from sending a request to its whole answer (or its failure).`,
    `# TYPE ${name} histogram`,
  );
  for (const j of withData) {
    const h = j.live!.durations!;
    const job = `job="${label(j.name)}"`;
    h.bounds.forEach((bound, i) =>
      lines.push(`${name}_bucket{${job},le="${bound}"} ${h.cumulative[i]}`)
    );
    lines.push(
      `${name}_bucket{${job},le="+Inf"} ${h.count}`,
      `${name}_sum{${job}} ${h.sumS}`,
      `${name}_count{${job}} ${h.count}`,
    );
  }
}
