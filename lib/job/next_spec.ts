/**
 * How a query's answer names its next page (`--next`): the `Link` header's
 * `rel="next"`, a next URL at a JSON path of the body, a cursor at a JSON
 * path that goes back as `{{page.cursor}}`, or numbered pages while a JSON
 * path says there are more (a non-empty array, `true`, a page count). Any of
 * them may end with `while $.path`: no next page unless that path says more
 * (a `has_more` flag, results not empty).
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { type JsonPath, parseJsonPath } from "../util/json_path.ts";

/** A parsed `--next` spec. */
export type NextSpec =
  | { kind: "link"; while?: JsonPath }
  | { kind: "url" | "cursor" | "page"; path: JsonPath; while?: JsonPath };

/**
 * The next page as an answer (or a function, or a processor) names it: its
 * URL, the variables its request is rendered with (over the query's own), or
 * a cursor for `{{page.cursor}}`.
 */
export type NextRequest = { url: string } | { vars: Record<string, unknown> } | {
  cursor: unknown;
};

const KINDS = ["url", "cursor", "page"] as const;
/** The condition that may end a spec: ` while $.path`. */
const WHILE = /\s+while\s+(\$\S*)$/;

/**
 * Parses a `--next` spec: `link`, `url:PATH`, `cursor:PATH` or `page:PATH`,
 * PATH a JSON path as SQLite writes it (`$.links.next`), then optionally
 * `while PATH` (`cursor:$.data[#-1].id while $.has_more`).
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
 * const more = parseNextSpec("link while $.has_more", "--next");
 * assert.equal(more.while?.text, "$.has_more");
 * ```
 */
export function parseNextSpec(text: string, name: string): NextSpec {
  let spec = text.trim();
  const condition = WHILE.exec(spec);
  if (condition) spec = spec.slice(0, condition.index);
  const path = (where: string) => {
    try {
      return parseJsonPath(where.trim());
    } catch (error) {
      throw new InputError(`Cannot use ${name}: ${(error as Error).message}`);
    }
  };
  const more = condition ? { while: path(condition[1]!) } : {};
  if (spec === "link") return { kind: "link", ...more };
  const colon = spec.indexOf(":");
  const kind = spec.slice(0, colon).trim() as (typeof KINDS)[number];
  if (colon < 0 || !KINDS.includes(kind)) {
    throw new InputError(
      `Cannot parse ${name} as a next-page spec: current value is '${text}' ` +
        `(expected link, url:$.path, cursor:$.path or page:$.path, then maybe while $.path)`,
    );
  }
  return { kind, path: path(spec.slice(colon + 1)), ...more };
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
  const text = spec.kind === "link" ? "link" : `${spec.kind}:${spec.path.text}`;
  return spec.while ? `${text} while ${spec.while.text}` : text;
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
 *   "{{page.number}} 2, 3, ... while $.results of the answer says there are more " +
 *     "(a non-empty array, true, or a page count above the page's number)",
 * );
 * ```
 */
export function describeNextSpec(spec: NextSpec): string {
  const more = spec.while
    ? `, only while ${spec.while.text} of the answer says there are more ` +
      `(a non-empty array, true, or a page count above the page's number)`
    : "";
  switch (spec.kind) {
    case "link":
      return `the URL of the answer's Link header with rel="next"${more}`;
    case "url":
      return `the URL at ${spec.path.text} of the answer${more}`;
    case "cursor":
      return `the same request with {{page.cursor}} from ${spec.path.text} of the answer${more}`;
    case "page":
      return `{{page.number}} 2, 3, ... while ${spec.path.text} of the answer says there are ` +
        `more (a non-empty array, true, or a page count above the page's number)${more}`;
  }
}

/**
 * Whether a value at a `page:` or `while` path says the query has pages
 * after page `page`: `true`, a non-empty array, or a number of pages above
 * `page` (`total_pages`, `last_page`); a numeric string counts as its
 * number. Anything else (missing, null, false, 0, empty) says no.
 *
 * @example Usage
 * ```ts
 * import { saysMorePages } from "./next_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(saysMorePages(true, 1), true);
 * assert.equal(saysMorePages([{ id: 1 }], 7), true);
 * assert.equal(saysMorePages(3, 2), true);
 * assert.equal(saysMorePages("3", 3), false);
 * assert.equal(saysMorePages([], 1), false);
 * assert.equal(saysMorePages(undefined, 1), false);
 * ```
 */
export function saysMorePages(value: unknown, page: number): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.length > 0;
  const count = typeof value === "number"
    ? value
    : typeof value === "string" && /^\d+$/.test(value.trim())
    ? Number(value)
    : NaN;
  return count > page;
}
