/**
 * `sluice dashboard` and `sluice run --dashboard`: serve the dashboard app.
 * The HTTP server itself is passed in by main.ts (the runtime edge).
 *
 * @module
 */
import type { Hono } from "hono";
import type { Console } from "./run.ts";
import { createDashboard, type LiveRun } from "../lib/dashboard/create_dashboard.ts";
import { InputError } from "../lib/errors.ts";
import { openStore, type Store } from "../lib/store/store.ts";

/** Starts an HTTP server for an app; resolves `finished` when it stops. */
export type Serve = (
  app: Hono,
  options: { hostname: string; port: number; signal: AbortSignal },
) => { port: number; finished: Promise<void> };

/** Flags of the dashboard. */
export interface DashboardFlags {
  port?: string;
  host?: string;
  token?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * Starts the dashboard over `store`. Beyond loopback a token is required for
 * every page (one is made up when none is given); on loopback only the
 * controls need it.
 */
export function startDashboard(
  store: Store,
  flags: DashboardFlags,
  serve: Serve,
  signal: AbortSignal,
  io: Console,
  live?: LiveRun,
): { url: string; finished: Promise<void> } {
  const port = Number(flags.port ?? 8788);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(
      `Cannot use port as a number from 0 to 65535: current value is '${flags.port}'`,
    );
  }
  const hostname = flags.host ?? "127.0.0.1";
  const exposed = !LOOPBACK.has(hostname);
  const token = flags.token ?? crypto.randomUUID().replaceAll("-", "");
  const app = createDashboard({ store, token, tokenForReads: exposed, ...(live ? { live } : {}) });
  const server = serve(app, { hostname, port, signal });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `http://${host}:${server.port}/${exposed ? `?token=${token}` : ""}`;
  io.error(`sluice: dashboard on ${url}` + (live && !exposed ? ` (control token ${token})` : ""));
  return { url, finished: server.finished };
}

/** Serves the dashboard over a database until stopped. */
export async function dashboardCommand(
  flags: DashboardFlags & { db: string },
  io: Console,
  stop: AbortSignal,
  serve: Serve,
): Promise<number> {
  const store = await openStore(flags.db);
  try {
    const { finished } = startDashboard(store, flags, serve, stop, io);
    await finished;
    return 0;
  } finally {
    store.close();
  }
}
