/**
 * The run's statistics history, saved for the dashboard's charts.
 *
 * @module
 */
import { historyPoint, type PointSource } from "../lib/dashboard/history_point.ts";
import type { Store } from "../lib/store/store.ts";

/**
 * Saves a point of the statistics history every few seconds, and a last one
 * when stopped. Saving is a nicety: a busy database does not stop the run.
 *
 * @example Usage
 * ```ts
 * import { recordHistory } from "./record_history.ts";
 * import { RunStats } from "../lib/run/run_stats.ts";
 * import assert from "node:assert/strict";
 * const saved: number[] = [];
 * const store = { history: { add: async (job: number) => void saved.push(job) } };
 * const history = recordHistory(store, 7, new RunStats({ total: 1, done: 0, failed: 0 }));
 * await history.stop();
 * assert.deepEqual(saved, [7]);
 * ```
 */
export function recordHistory(
  store: { history: Pick<Store["history"], "add"> },
  jobId: number,
  stats: PointSource,
  everyMs = 5_000,
): { stop(): Promise<void> } {
  const save = async () => {
    await store.history.add(jobId, historyPoint(stats))
      .catch(() => {}); // history is a nicety: a busy database must not stop the run
  };
  let saving = Promise.resolve();
  const timer = setInterval(() => saving = saving.then(save), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await saving;
      await save();
    },
  };
}
