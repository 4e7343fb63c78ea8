/**
 * Why an attempt produced no usable answer: what the HTTP layer reports and
 * the outcome policy decides on.
 *
 * @module
 */

/**
 * Why an attempt produced no HTTP response (or an unusable one). Only
 * `timeout` and `network` are the network's and retried; the others are
 * final: `render` a request sluice refused to send (nothing reached the
 * server), `redirect_refused` a redirect to a URL that is not http(s),
 * `too_many_redirects` one more than `--max-redirects`, `body_invalid` a
 * body that could not be decoded (a broken gzip stream), `body_too_large`
 * one over `--max-body`.
 */
export interface AttemptFailure {
  /** The kind of failure. */
  kind:
    | "timeout"
    | "network"
    | "body_too_large"
    | "body_invalid"
    | "render"
    | "redirect_refused"
    | "too_many_redirects";
  /** What happened, with no secret in it. */
  message: string;
}
