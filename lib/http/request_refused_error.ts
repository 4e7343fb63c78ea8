/**
 * The error of a request sluice refuses to make itself: a URL that is not
 * http(s), a header `fetch` would not send, a redirect to `file:` or `data:`.
 * Not a network failure: nothing is retried, and the circuit breaker never
 * counts it.
 *
 * @module
 */

/** Options for {@linkcode RequestRefusedError}. */
export interface RequestRefusedErrorOptions extends ErrorOptions {
  /**
   * True when an earlier request of the same attempt reached the server (the
   * refusal is of a redirect's target).
   *
   * @default {false}
   */
  sent?: boolean;
}

/**
 * A request refused before it was sent. Its message holds no secret (the
 * caller redacts what it puts in it).
 *
 * @example Usage
 * ```ts
 * import { RequestRefusedError } from "./request_refused_error.ts";
 * import assert from "node:assert/strict";
 * const error = new RequestRefusedError("redirect to a file: URL", { sent: true });
 * assert.equal(error.name, "RequestRefusedError");
 * assert.equal(error.sent, true);
 * ```
 */
export class RequestRefusedError extends Error {
  /** The error's name, for checks that cannot use `instanceof`. */
  override name = "RequestRefusedError" as const;
  /** True when an earlier request of the attempt (the one redirected) reached the server. */
  readonly sent: boolean;

  /** Makes the error; `options.cause` keeps `fetch`'s own error, when there was one. */
  constructor(message: string, options: RequestRefusedErrorOptions = {}) {
    const { sent = false, ...rest } = options;
    super(message, rest);
    this.sent = sent;
  }
}
