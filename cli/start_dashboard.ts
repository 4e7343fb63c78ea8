/**
 * The dashboard app served over a store: by `sluice dashboard`, and by
 * `sluice run --dashboard` beside a running job.
 *
 * @module
 */
import type { Console } from "./console.ts";
import type { Serve } from "./serve.ts";
import { createDashboard, type LiveRun } from "../lib/dashboard/create_dashboard.ts";
import { boundHosts } from "../lib/dashboard/host_check.ts";
import { DEFAULTS } from "../lib/defaults.ts";
import { InputError } from "../lib/errors.ts";
import type { Store } from "../lib/store/store.ts";

/** Flags of the dashboard. */
export interface DashboardFlags {
  /** Port to listen on, as typed. @default "8788" */
  port?: string;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** Access token. @default a random one */
  token?: string;
  /** How messages name the port's flag (`sluice run` has `--dashboard PORT`). @default "--port" */
  portFlag?: string;
}

/** The dashboard's port when none is given. */
export const DASHBOARD_PORT: number = DEFAULTS.dashboardPort;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * Starts the dashboard over `store`. Beyond loopback a token is required for
 * every page (one is made up when none is given); on loopback only the
 * controls need it.
 *
 * @throws {InputError} For a port that is not an integer from 0 to 65535, an empty
 * token beyond loopback, a port in use or an address this machine does not have.
 *
 * @example Usage
 * ```ts
 * import { startDashboard } from "./start_dashboard.ts";
 * import { openStore } from "../lib/store/store.ts";
 * import assert from "node:assert/strict";
 * const store = await openStore(":memory:");
 * const lines: string[] = [];
 * const io = { log: () => {}, error: (line: string) => lines.push(line) };
 * const serve = () => ({ port: 9999, finished: Promise.resolve() });
 * const flags = { port: "0", token: "s3cret" };
 * const { url } = startDashboard(store, flags, serve, AbortSignal.abort(), io);
 * assert.equal(url, "http://127.0.0.1:9999/?token=s3cret");
 * assert.deepEqual(lines, ["sluice: dashboard on http://127.0.0.1:9999/?token=s3cret"]);
 * store.close();
 * ```
 */
export function startDashboard(
  store: Store,
  flags: DashboardFlags,
  serve: Serve,
  signal: AbortSignal,
  io: Console,
  live?: LiveRun,
): { url: string; finished: Promise<void> } {
  const port = Number(flags.port ?? DASHBOARD_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(
      `Cannot use port as a number from 0 to 65535: current value is '${flags.port}'`,
    );
  }
  const hostname = flags.host ?? "127.0.0.1";
  const exposed = !LOOPBACK.has(hostname);
  if (exposed && flags.token === "") {
    throw new InputError(
      `Cannot serve the dashboard on ${hostname} with an empty --token: give a token, or leave --token out to have one made up`,
    );
  }
  const token = flags.token || crypto.randomUUID().replaceAll("-", "");
  const allowedHosts = boundHosts(hostname, port);
  const app = createDashboard({
    store,
    token,
    tokenForReads: exposed,
    allowedHosts,
    ...(live ? { live } : {}),
  });
  let server: ReturnType<Serve>;
  try {
    server = serve(app, { hostname, port, signal });
  } catch (error) {
    if (
      !(error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable)
    ) {
      throw error;
    }
    const taken = error instanceof Deno.errors.AddrInUse;
    throw new InputError(
      `Cannot serve the dashboard on ${hostname}:${port}: ` +
        (taken
          ? `the port is in use; pick another with ${
            flags.portFlag ?? "--port"
          } (0 for any free one)`
          : "no such address on this machine; pick another with --host"),
      undefined,
      { cause: error },
    );
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  // The token, once in the address, as the help says: opening it trades it for a cookie
  // (see control_token.ts), which the controls of a run and the pages beyond loopback need.
  const url = `http://${host}:${server.port}/?token=${token}`;
  io.error(`sluice: dashboard on ${url}`);
  return { url, finished: server.finished };
}
