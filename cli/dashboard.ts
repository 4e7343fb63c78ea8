/**
 * `sluice dashboard`: serve the dashboard over a database until stopped.
 *
 * @module
 */
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import type { Serve } from "./serve.ts";
import { type DashboardFlags, startDashboard } from "./start_dashboard.ts";
import { openExisting } from "./open_existing.ts";

/**
 * Serves the dashboard over a database until `stop` aborts. The database
 * must exist: a missing file is bad input, not a new empty database.
 *
 * @example Usage
 * ```ts
 * import { dashboardCommand } from "./dashboard.ts";
 * import assert from "node:assert/strict";
 * const io = { log: () => {}, error: () => {} };
 * const serve = () => ({ port: 1, finished: Promise.resolve() });
 * const code = await dashboardCommand({ db: ":memory:" }, io, AbortSignal.abort(), serve);
 * assert.equal(code, 0);
 * ```
 */
export async function dashboardCommand(
  flags: DashboardFlags & { db: string },
  io: Console,
  stop: AbortSignal,
  serve: Serve,
): Promise<number> {
  const store = await openExisting(flags.db);
  try {
    const { finished } = startDashboard(store, flags, serve, stop, io);
    await finished;
    return EXIT.ok;
  } finally {
    store.close();
  }
}
