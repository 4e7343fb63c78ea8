/**
 * The one path helper sluice needs (`@std/path` is on JSR only).
 *
 * @module
 */

/**
 * Converts a `file:` URL to a path (percent-escapes decoded; a Windows drive
 * letter keeps no leading slash).
 *
 * @param url A `file:` URL, such as `new URL("./data.json", import.meta.url)`.
 * @returns The path.
 * @throws {TypeError} If the URL is not a `file:` URL.
 *
 * @example Usage
 * ```ts
 * import { fromFileUrl } from "./from_file_url.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fromFileUrl(new URL("file:///tmp/a%20b.json")), "/tmp/a b.json");
 * ```
 */
export function fromFileUrl(url: URL): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`Cannot use URL as a file path: current value is '${url}'`);
  }
  return decodeURIComponent(url.pathname.replace(/^\/([A-Za-z]:\/)/, "$1"));
}
