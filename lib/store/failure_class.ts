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
  | "body_invalid"
  | "too_many_redirects"
  | "redirect_refused"
  | "process"
  | "next"
  | "other";

/** Every class, with what it means (for help texts and docs). */
export const FAILURE_CLASSES: Readonly<Record<FailureClass, string>> = {
  http_4xx: "a 4xx answer other than 429",
  http_5xx: "a 5xx answer (a 503 with Retry-After included)",
  throttled: "a 429 answer; the --max-throttled-th fails the item",
  timeout: "no answer within --timeout",
  network: "connection refused, reset or failed",
  render: "the request could not be built from the template and the query, or was refused unsent",
  body_too_large: "the answer's body was over --max-body",
  body_invalid: "the answer's body could not be decoded (a broken gzip, br or deflate stream)",
  too_many_redirects: "more redirects than --max-redirects",
  redirect_refused:
    "a redirect not followed: to a URL that is not http(s) (file:, data:...), or to another origin with a secret in the body",
  process: "processing the answer into the user's tables failed",
  next: "the answer named a next page sluice does not fetch (not http(s), another origin " +
    "without --next-cross-origin, not a URL) or the next function threw",
  other: "anything else",
};

/**
 * The names `sluice status` prints and `sluice retry --status` takes for the
 * classes they single out; every other class is counted as `other`.
 */
export const FAILURE_GROUPS: Readonly<Record<FailureGroup, FailureClass>> = {
  "429": "throttled",
  "4xx": "http_4xx",
  "5xx": "http_5xx",
  timeout: "timeout",
  network: "network",
  // Answered, then refused by the user's --into or processor: `sluice process` retries these.
  process: "process",
};

/** A name of {@linkcode FAILURE_GROUPS}. */
export type FailureGroup = "429" | "4xx" | "5xx" | "timeout" | "network" | "process";

/**
 * The class of a failed attempt: from its HTTP status when that is a 4xx or
 * 5xx (whatever else went wrong, so a 503 throttled too often is `http_5xx`),
 * else from the kind of failure `send` reported.
 *
 * @example Usage
 * ```ts
 * import { failureClass } from "./failure_class.ts";
 * import assert from "node:assert/strict";
 * assert.equal(failureClass(404), "http_4xx");
 * assert.equal(failureClass(429), "throttled");
 * assert.equal(failureClass(undefined, "timeout"), "timeout");
 * assert.equal(failureClass(502, "body_too_large"), "http_5xx");
 * assert.equal(failureClass(200, "body_too_large"), "body_too_large");
 * ```
 */
export function failureClass(status: number | undefined, kind?: string): FailureClass {
  if (status === 429) return "throttled";
  if (status !== undefined && status >= 400 && status < 500) return "http_4xx";
  if (status !== undefined && status >= 500 && status < 600) return "http_5xx";
  if (kind !== undefined && isFailureClass(kind)) return kind;
  return "other";
}

/** True when `text` names a failure class. */
export function isFailureClass(text: string): text is FailureClass {
  return Object.hasOwn(FAILURE_CLASSES, text);
}
