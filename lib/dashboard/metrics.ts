/**
 * Prometheus text exposition of job counts and live run statistics.
 *
 * @module
 */
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { JobCounts } from "../store/store.ts";

/** One job's figures for {@linkcode prometheusText}. */
export interface JobMetrics {
  name: string;
  counts: JobCounts;
  live?: StatsSnapshot | undefined;
}

function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

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
 * ```
 */
export function prometheusText(jobs: JobMetrics[]): string {
  const lines: string[] = [
    "# HELP sluice_items Items of a job by state.",
    "# TYPE sluice_items gauge",
  ];
  for (const { name, counts } of jobs) {
    for (const state of ["pending", "inflight", "done", "failed"] as const) {
      lines.push(`sluice_items{job="${label(name)}",state="${state}"} ${counts[state]}`);
    }
  }
  lines.push(
    "# HELP sluice_items_possibly_sent_total Items found in flight after a crash (possibly sent twice).",
    "# TYPE sluice_items_possibly_sent_total counter",
  );
  for (const { name, counts } of jobs) {
    lines.push(`sluice_items_possibly_sent_total{job="${label(name)}"} ${counts.possiblySent}`);
  }
  const live = jobs.filter((j) => j.live);
  if (live.length > 0) {
    const series: [string, string, string, (s: StatsSnapshot) => number][] = [
      ["sluice_requests_total", "counter", "Requests sent by this run.", (s) => s.sent],
      ["sluice_retries_total", "counter", "Attempts re-queued with backoff.", (s) => s.retried],
      [
        "sluice_throttled_total",
        "counter",
        "Attempts answered 429 (pacing signals).",
        (s) => s.throttled,
      ],
      ["sluice_completion_rate", "gauge", "Items finished per second, recent.", (s) => s.rate],
    ];
    for (const [metric, type, help, value] of series) {
      lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`);
      for (const j of live) lines.push(`${metric}{job="${label(j.name)}"} ${value(j.live!)}`);
    }
    lines.push(
      "# HELP sluice_responses_total Responses of this run by HTTP status.",
      "# TYPE sluice_responses_total counter",
    );
    for (const j of live) {
      for (const [status, n] of Object.entries(j.live!.byStatus)) {
        lines.push(`sluice_responses_total{job="${label(j.name)}",status="${label(status)}"} ${n}`);
      }
    }
    lines.push(
      "# HELP sluice_latency_ms Response time percentiles of this run.",
      "# TYPE sluice_latency_ms gauge",
    );
    for (const j of live) {
      for (const [q, v] of [["0.5", j.live!.p50Ms], ["0.95", j.live!.p95Ms]] as const) {
        if (v !== undefined) {
          lines.push(`sluice_latency_ms{job="${label(j.name)}",quantile="${q}"} ${v}`);
        }
      }
    }
  }
  return lines.join("\n") + "\n";
}
