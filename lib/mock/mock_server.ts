/**
 * Serve the built-in mock API over real HTTP with `Deno.serve`, on 127.0.0.1
 * only and quietly (no "Listening on" line, no stack trace per dropped connection).
 *
 * @module
 */

import { createMockApi, type MockApi, type MockApiOptions } from "./mock_api.ts";

/** Options of {@linkcode serveMockApi}: the mock's options plus where to listen. */
export interface ServeMockOptions extends MockApiOptions {
  /** Port to listen on; `0` picks any free port. @default {0} */
  port?: number;
  /** Only the loopback address is allowed. @default {"127.0.0.1"} */
  hostname?: "127.0.0.1";
  /** Aborting it shuts the server down. @default {undefined} */
  signal?: AbortSignal;
  /** Called once listening, with the port actually bound. @default {undefined} */
  onListen?: (addr: { port: number }) => void;
}

/** A running mock server made by {@linkcode serveMockApi}. */
export interface MockServer {
  /** The port actually bound. */
  port: number;
  /** Resolves when the server has shut down. */
  finished: Promise<void>;
  /** The mock behind the server: its stats, keys and `reset()`. */
  api: MockApi;
  /** Stop accepting connections, let in-flight requests finish, then resolve. */
  shutdown(): Promise<void>;
}

/**
 * Start the mock API on 127.0.0.1.
 *
 * A request chosen by `resetRate` is answered with a body stream that errors at
 * once: Deno.serve has already sent the status line and headers (`200`,
 * `transfer-encoding: chunked`), then closes the connection without the final
 * chunk. A Deno `fetch` client therefore resolves with the headers and then
 * rejects with `TypeError: error reading a body from connection` when it reads
 * the body: a connection reset mid-response.
 *
 * @example Serve, search, shut down
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveMockApi } from "./mock_server.ts";
 * const server = serveMockApi({ rate: 100 });
 * const res = await fetch(`http://127.0.0.1:${server.port}/search?q=deno`);
 * assert.equal((await res.json()).query, "deno");
 * assert.equal(server.api.stats.requests, 1);
 * await server.shutdown();
 * ```
 */
export function serveMockApi(options: ServeMockOptions = {}): MockServer {
  const { port = 0, hostname = "127.0.0.1", signal, onListen, ...apiOptions } = options;
  if (hostname !== "127.0.0.1") {
    throw new TypeError(`Cannot serve the mock API beyond loopback: current value is ${hostname}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot serve the mock API as port is invalid: current value is ${port}`);
  }
  const api = createMockApi(apiOptions);
  const server = Deno.serve({
    port,
    hostname,
    signal,
    onListen: (addr) => onListen?.({ port: addr.port }),
    // A dropped connection lands here too: keep it quiet, it is on purpose.
    onError: () => new Response(null, { status: 500 }),
  }, (request) => api.app.fetch(request));
  return {
    port: server.addr.port,
    finished: server.finished,
    api,
    shutdown: () => server.shutdown(),
  };
}
