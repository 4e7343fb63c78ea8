/**
 * What a finished run says of itself, kept with its job (`jobs.last_run`,
 * JSON): how long it took, what set the pace and for how long, the limits
 * configured and advertised, retries, throttles, cooldowns, breaker
 * openings and each cost unit's use. `sluice status` and the dashboard show it after the run.
 *
 * @module
 */
import type { UnitUse } from "./history.ts";

/** A limit that held the pace for a while. */
export interface PaceEntry {
  /** What it was: `--rate 10/s`, `server quota "default"`, `paused`, `Retry-After cooldowns`… */
  by: string;
  /** How long it held the pace. */
  ms: number;
  /** The rate it allowed then, requests per second, when it allowed one. */
  rate?: number;
}

/** The summary of a job's last run. */
export interface LastRun {
  /** When the run started and ended (epoch ms). */
  startedAt: number;
  /** When the run ended (epoch ms). */
  endedAt: number;
  /** How it ended: every item done or failed, stopped (a signal), or its deadline reached. */
  ended: "finished" | "stopped" | "deadline";
  /** The job's items by state after the run. */
  counts: { total: number; done: number; failed: number; pending: number };
  /** Requests sent by the run. */
  sent: number;
  /** Answers by HTTP status (`error`: none came: a network failure or timeout). */
  byStatus: Record<string, number>;
  /** Attempts re-queued with backoff. */
  retried: number;
  /** Answers 429. */
  throttled: number;
  /** Answers 503, with or without Retry-After. */
  unavailable: number;
  /** Response times over the run: median, 95th and 99th percentiles (ms). */
  latency?: { p50: number; p95: number; p99: number };
  /** What set the pace, the longest first. */
  pace: PaceEntry[];
  /** The limits in force. */
  limits: {
    /** The rate asked for, as typed (`10/s`, `auto`, `none`). */
    rate: string;
    /** Requests (and units: `5,tokens=4000`) allowed at once above the steady rate. */
    burst: number | string;
    /** Requests in flight at once, at most. */
    concurrency?: number;
    /** The quotas the server advertised, as the limiter panel shows them. */
    advertised: string[];
    /** `--rate auto`: the rate found, and where 429s began. */
    discovered?: { rate: number; ceiling?: number };
  };
  /** The job's cooldowns: how many, in all and the longest (ms), by cause. */
  cooldowns: { count: number; totalMs: number; longestMs: number; byCause: Record<string, number> };
  /** How often the circuit breaker opened (absent: no breaker). */
  breakerOpened?: number;
  /** The most frequent reasons of the items that failed, with their counts. */
  failures: Record<string, number>;
  /** Each cost unit besides requests: spent, and what was left of its tightest limit at the end. */
  units?: UnitUse[];
}
