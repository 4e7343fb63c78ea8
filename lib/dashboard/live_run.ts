/**
 * What the dashboard sees of, and may do to, the job running in its process.
 *
 * @module
 */
import type { StatsSnapshot } from "../run/run_stats.ts";
import type { LimiterLike } from "./limiter_view.ts";

/** A running job the dashboard can show live and control. */
export interface LiveRun {
  /** The job's name. */
  job: string;
  /** Current statistics. */
  snapshot(): StatsSnapshot;
  /** Pauses sending (optional, as the next three). */
  pause?(): void;
  /** Resumes sending. */
  resume?(): void;
  /** True while paused. */
  paused?(): boolean;
  /** The rate in force, as text. */
  rate?(): string;
  /** Changes the rate; throws a RangeError on a bad one. */
  setRate?(rate: string): void;
  /** The run's limiter once built: the limiter panel, requests in flight, cooldowns. */
  limiter?(): LimiterLike | undefined;
  /** Requests allowed in flight at once. */
  concurrency?(): number | undefined;
}
