/**
 * The network's errors, told apart from bugs where they are thrown: by
 * `fetch` and by reading a response's body. Only these are network
 * failures (retried, counted by the circuit breaker); any other exception
 * in the send path is a bug, and the run fails with it.
 *
 * @module
 */

/** Socket error codes of Node-style errors (a `fetch` from undici, say). */
const SOCKET_CODES = /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/;

/** Deno's errors of a connection. */
const CONNECTION_ERRORS = [
  Deno.errors.ConnectionRefused,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.NotConnected,
  Deno.errors.BrokenPipe,
  Deno.errors.TimedOut,
  Deno.errors.UnexpectedEof,
  Deno.errors.Interrupted,
  Deno.errors.Http,
];

/**
 * Whether an error thrown by `fetch` or by a response body's stream is the
 * network's: fetch's `TypeError`, a connection error, a timeout or an abort.
 *
 * @example Usage
 * ```ts
 * import { isNetworkError } from "./network_error.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isNetworkError(new TypeError("error sending request for url")));
 * assert.ok(isNetworkError(new DOMException("The signal has been aborted", "AbortError")));
 * assert.ok(!isNetworkError(new RangeError("Invalid array length")));
 * ```
 */
export function isNetworkError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  if (error instanceof DOMException) {
    return ["AbortError", "TimeoutError", "NetworkError"].includes(error.name);
  }
  if (CONNECTION_ERRORS.some((type) => error instanceof type)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && SOCKET_CODES.test(code);
}

/**
 * A failure of the network while sending a request or reading its answer;
 * the error `fetch` or the body's stream threw is its `cause`.
 *
 * @example Usage
 * ```ts
 * import { NetworkError } from "./network_error.ts";
 * import assert from "node:assert/strict";
 * const error = new NetworkError(new TypeError("connection reset"));
 * assert.equal(error.message, "connection reset");
 * assert.ok(error.cause instanceof TypeError);
 * ```
 */
export class NetworkError extends Error {
  /** The error's name, for checks that cannot use `instanceof`. */
  override name = "NetworkError" as const;

  /** Wraps the error `fetch` or the body's stream threw. */
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * Runs `io` (a fetch, a read of a body), reporting a network error it
 * throws as a {@linkcode NetworkError}; anything else passes through.
 *
 * @example Usage
 * ```ts
 * import { NetworkError, networkCall } from "./network_error.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(networkCall(() => Promise.reject(new TypeError("reset"))), NetworkError);
 * await assert.rejects(networkCall(() => Promise.reject(new RangeError("bug"))), RangeError);
 * ```
 */
export function networkCall<T>(io: () => Promise<T>): Promise<T> {
  // A handler on the promise, not an async function: one frame less per body read.
  let running: Promise<T>;
  try {
    running = io();
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.catch(rethrowNetwork);
}

function rethrowNetwork(error: unknown): never {
  throw isNetworkError(error) ? new NetworkError(error) : error;
}
