/**
 * The classes of failure, in one table: what an attempt's failure is called
 * in the database (`items.error_class`, `responses.error_class`), in
 * `sluice status` and in `sluice retry --status`, instead of matching message
 * text.
 *
 * @module
 */

/** The class of an attempt that did not end done. */
export type FailureClass =
  | "http_4xx"
  | "http_5xx"
  | "throttled"
  | "timeout"
  | "network"
  | "render"
  | "body_too_large"
  | "too_many_redirects"
  | "process"
  | "other";

/** Every class, with what it means (for help texts and docs). */
export const FAILURE_CLASSES: Readonly<Record<FailureClass, string>> = {
  http_4xx: "a 4xx answer other than 429",
  http_5xx: "a 5xx answer",
  throttled: "429 (or 503 with Retry-After) more often than --max-throttled",
  timeout: "no answer within --timeout",
  network: "connection refused, reset or failed",
  render: "the request could not be built from the template and the query",
  body_too_large: "the answer's body was over --max-body",
  too_many_redirects: "more redirects than --max-redirects",
  process: "processing the answer into the user's tables failed",
  other: "anything else",
};

/**
 * The class of a failed attempt from its HTTP status and, without one, the
 * kind of failure `send` reported.
 *
 * @example Usage
 * ```ts
 * import { failureClass } from "./failure_class.ts";
 * import assert from "node:assert/strict";
 * assert.equal(failureClass(404), "http_4xx");
 * assert.equal(failureClass(429), "throttled");
 * assert.equal(failureClass(undefined, "timeout"), "timeout");
 * ```
 */
export function failureClass(status: number | undefined, kind?: string): FailureClass {
  if (status === 429) return "throttled";
  if (status !== undefined && status >= 400 && status < 500) return "http_4xx";
  if (status !== undefined && status >= 500 && status < 600) {
    return kind === undefined ? "http_5xx" : isFailureClass(kind) ? kind : "http_5xx";
  }
  if (kind !== undefined && isFailureClass(kind)) return kind;
  return "other";
}

/** True when `text` names a failure class. */
export function isFailureClass(text: string): text is FailureClass {
  return Object.hasOwn(FAILURE_CLASSES, text);
}
