/**
 * The one path helper sluice needs (`@std/path` is on JSR only).
 *
 * @module
 */

/** Converts a `file:` URL to a path. */
export function fromFileUrl(url: URL): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`Must be a file URL: current value is '${url}'`);
  }
  return decodeURIComponent(url.pathname.replace(/^\/([A-Za-z]:\/)/, "$1"));
}
