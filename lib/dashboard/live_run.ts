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
  /** Pause and resume sending (optional). */
  pause?(): void;
  resume?(): void;
  paused?(): boolean;
  /** The rate in force, as text, and a way to change it (throws RangeError on a bad rate). */
  rate?(): string;
  setRate?(rate: string): void;
  /** The run's limiter once built: the limiter panel, requests in flight, cooldowns. */
  limiter?(): LimiterLike | undefined;
  /** Requests allowed in flight at once. */
  concurrency?(): number | undefined;
}
