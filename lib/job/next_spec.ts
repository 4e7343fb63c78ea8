/**
 * How a query's answer names its next page (`--next`): the `Link` header's
 * `rel="next"`, a next URL at a JSON path of the body, a cursor at a JSON
 * path that goes back as `{{page.cursor}}`, or numbered pages while an array
 * at a JSON path is non-empty.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { type JsonPath, parseJsonPath } from "../util/json_path.ts";

/** A parsed `--next` spec. */
export type NextSpec =
  | { kind: "link" }
  | { kind: "url" | "cursor" | "page"; path: JsonPath };

/**
 * The next page as an answer (or a function, or a processor) names it: its
 * URL, the variables its request is rendered with (over the query's own), or
 * a cursor for `{{page.cursor}}`.
 */
export type NextRequest = { url: string } | { vars: Record<string, unknown> } | {
  cursor: unknown;
};

const KINDS = ["url", "cursor", "page"] as const;

/**
 * Parses a `--next` spec: `link`, `url:PATH`, `cursor:PATH` or `page:PATH`,
 * PATH a JSON path as SQLite writes it (`$.links.next`).
 *
 * @param text The spec.
 * @param name Where it came from, for messages (`--next`).
 * @throws {InputError} Naming `name`, for a spec that does not parse.
 *
 * @example Usage
 * ```ts
 * import { parseNextSpec } from "./next_spec.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseNextSpec("link", "--next"), { kind: "link" });
 * const spec = parseNextSpec("cursor:$.next_cursor", "--next");
 * assert.equal(spec.kind === "cursor" && spec.path.text, "$.next_cursor");
 * assert.throws(() => parseNextSpec("cursor:next_cursor", "--next"), /--next/);
 * ```
 */
export function parseNextSpec(text: string, name: string): NextSpec {
  const spec = text.trim();
  if (spec === "link") return { kind: "link" };
  const colon = spec.indexOf(":");
  const kind = spec.slice(0, colon).trim() as (typeof KINDS)[number];
  if (colon < 0 || !KINDS.includes(kind)) {
    throw new InputError(
      `Cannot parse ${name} as a next-page spec: current value is '${text}' ` +
        `(expected link, url:$.path, cursor:$.path or page:$.path)`,
    );
  }
  try {
    return { kind, path: parseJsonPath(spec.slice(colon + 1).trim()) };
  } catch (error) {
    throw new InputError(`Cannot use ${name}: ${(error as Error).message}`);
  }
}

/**
 * A spec as `--next` takes it back.
 *
 * @example Usage
 * ```ts
 * import { formatNextSpec, parseNextSpec } from "./next_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatNextSpec(parseNextSpec(" url: $.links.next", "--next")), "url:$.links.next");
 * ```
 */
export function formatNextSpec(spec: NextSpec): string {
  return spec.kind === "link" ? "link" : `${spec.kind}:${spec.path.text}`;
}

/**
 * What the spec says to a user: how further pages are found.
 *
 * @example Usage
 * ```ts
 * import { describeNextSpec, parseNextSpec } from "./next_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeNextSpec(parseNextSpec("page:$.results", "--next")),
 *   "{{page.number}} 2, 3, ... while $.results of the answer is a non-empty array",
 * );
 * ```
 */
export function describeNextSpec(spec: NextSpec): string {
  switch (spec.kind) {
    case "link":
      return `the URL of the answer's Link header with rel="next"`;
    case "url":
      return `the URL at ${spec.path.text} of the answer`;
    case "cursor":
      return `the same request with {{page.cursor}} from ${spec.path.text} of the answer`;
    case "page":
      return `{{page.number}} 2, 3, ... while ${spec.path.text} of the answer is a non-empty array`;
  }
}
