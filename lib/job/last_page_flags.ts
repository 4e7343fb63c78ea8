/**
 * What an answer says of its own pages besides the next page's URL or
 * cursor: APIs put a `has_more: false` (`hasNextPage`, `has_next`) or an
 * `is_last: true` beside a cursor they still name, and a page count
 * (`total_pages`, `last_page`) beside numbered results. A user reads those
 * as "this is the last page"; so does `--next` when no `while` is given.
 *
 * @module
 */
import type { JsonPath } from "../util/json_path.ts";

/** Flags that say more pages follow: `false` says this page is the last. */
const MORE = new Set([
  "has_more",
  "hasMore",
  "has_next",
  "hasNext",
  "has_next_page",
  "hasNextPage",
  "has_more_items",
  "hasMoreItems",
]);
/** Flags that say this page is the last when `true`. */
const LAST = new Set(["is_last", "isLast", "is_last_page", "isLastPage"]);
/** Page counts: a page numbered at or above one is the last. */
const COUNTS = new Set([
  "total_pages",
  "totalPages",
  "last_page",
  "lastPage",
  "page_count",
  "pageCount",
  "num_pages",
  "numPages",
]);

/** Where APIs keep those beside their results: looked into too. */
const CONTAINERS = new Set(["meta", "_meta", "pagination", "paging", "pageInfo", "page_info"]);

/**
 * True when the answer `body` says page `page` is its query's last: a flag
 * of {@linkcode MORE} that is `false` or of {@linkcode LAST} that is `true`,
 * or (with `counted`, numbered pages) a page count at most `page`, in any
 * object on the way from the body's root to the value `path` names, or in
 * its `meta`, `pagination`, `paging` or `pageInfo`.
 *
 * @example Usage
 * ```ts
 * import { saysLastPage } from "./last_page_flags.ts";
 * import { parseJsonPath } from "../util/json_path.ts";
 * import assert from "node:assert/strict";
 * const path = parseJsonPath("$.data[#-1].id");
 * assert.equal(saysLastPage({ data: [{ id: 1 }], has_more: false }, path, 1, false), true);
 * assert.equal(saysLastPage({ data: [{ id: 1 }], has_more: true }, path, 1, false), false);
 * const info = parseJsonPath("$.data.search.pageInfo.endCursor");
 * const graphql = { data: { search: { pageInfo: { hasNextPage: false, endCursor: "x" } } } };
 * assert.equal(saysLastPage(graphql, info, 2, false), true);
 * const results = parseJsonPath("$.results");
 * assert.equal(saysLastPage({ results: [1], total_pages: 3 }, results, 3, true), true);
 * assert.equal(saysLastPage({ results: [1], total_pages: 3 }, results, 2, true), false);
 * assert.equal(saysLastPage({ results: [1], total_pages: 3 }, results, 3, false), false);
 * assert.equal(saysLastPage({ results: [1], meta: { last_page: "2" } }, results, 2, true), true);
 * ```
 */
export function saysLastPage(
  body: unknown,
  path: JsonPath | undefined,
  page: number,
  counted: boolean,
): boolean {
  let at = body;
  for (const step of [undefined, ...path?.steps ?? []]) {
    if (step !== undefined) {
      if (typeof at !== "object" || at === null) return false;
      if ("key" in step) {
        at = Array.isArray(at) || !Object.hasOwn(at, step.key)
          ? undefined
          : (at as Record<string, unknown>)[step.key];
      } else if (Array.isArray(at)) {
        at = at["index" in step ? step.index : at.length - step.fromEnd];
      } else return false;
    }
    if (saysLast(at, page, counted, true)) return true;
  }
  return false;
}

/** {@linkcode saysLastPage} of one object (and, when `deeper`, of its containers). */
function saysLast(at: unknown, page: number, counted: boolean, deeper: boolean): boolean {
  if (typeof at !== "object" || at === null || Array.isArray(at)) return false;
  for (const [name, value] of Object.entries(at)) {
    if (MORE.has(name) && value === false) return true;
    if (LAST.has(name) && value === true) return true;
    if (counted && COUNTS.has(name) && isCount(value) && Number(value) <= page) return true;
    if (deeper && CONTAINERS.has(name) && saysLast(value, page, counted, false)) return true;
  }
  return false;
}

/** A page count: a whole number, or its digits as text. */
function isCount(value: unknown): boolean {
  return (typeof value === "number" && Number.isInteger(value)) ||
    (typeof value === "string" && /^\s*\d+\s*$/.test(value));
}
