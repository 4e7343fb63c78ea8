/**
 * The dashboard's HTTP server: the one place the command line meets
 * `Deno.serve`, passed to the commands so tests can serve in-process.
 *
 * @module
 */
import type { Hono } from "hono";

/** Starts an HTTP server for an app; resolves `finished` when it stops. */
export type Serve = (
  app: Hono,
  options: { hostname: string; port: number; signal: AbortSignal },
) => { port: number; finished: Promise<void> };

/**
 * Serves an app with `Deno.serve` until `signal` aborts.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { denoServe } from "./serve.ts";
 * import assert from "node:assert/strict";
 * const stop = new AbortController();
 * const app = new Hono().get("/", (c) => c.text("ok"));
 * const server = denoServe(app, { hostname: "127.0.0.1", port: 0, signal: stop.signal });
 * const res = await fetch(`http://127.0.0.1:${server.port}/`);
 * assert.equal(await res.text(), "ok");
 * stop.abort();
 * await server.finished;
 * ```
 */
export const denoServe: Serve = (app, { hostname, port, signal }) => {
  const server = Deno.serve({ hostname, port, signal, onListen: () => {} }, app.fetch);
  return { port: server.addr.port, finished: server.finished };
};
