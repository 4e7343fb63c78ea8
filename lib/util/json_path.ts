/**
 * JSON paths as SQLite's JSON functions write them (`$.links.next`,
 * `$."@odata.nextLink"`, `$.results[0]`, `$.hits[#-1]`), read in JavaScript:
 * the same syntax as the SQL of `--into`, for the answers sluice reads itself.
 *
 * @module
 */

/** One step of a path: an object's key, an array's index, or an index from the end (`[#-n]`). */
export type JsonPathStep = { key: string } | { index: number } | { fromEnd: number };

/** A parsed JSON path: its text, and its steps from the root. */
export interface JsonPath {
  /** The path as written. */
  readonly text: string;
  /** The steps from the root (`$`), in order. */
  readonly steps: readonly JsonPathStep[];
}

/**
 * Parses a JSON path in SQLite's syntax: `$`, then `.key` (up to the next
 * `.` or `[`), `."quoted key"`, `[n]` or `[#-n]`.
 *
 * @throws {SyntaxError} Saying where the path does not parse.
 *
 * @example Usage
 * ```ts
 * import { parseJsonPath } from "./json_path.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseJsonPath('$."@odata.nextLink"').steps, [{ key: "@odata.nextLink" }]);
 * assert.deepEqual(parseJsonPath("$.a.b[0]").steps, [{ key: "a" }, { key: "b" }, { index: 0 }]);
 * assert.throws(() => parseJsonPath("links.next"), /must start with \$/);
 * ```
 */
export function parseJsonPath(text: string): JsonPath {
  const fail = (why: string) => new SyntaxError(`Cannot parse '${text}' as a JSON path: ${why}`);
  if (text[0] !== "$") throw fail("it must start with $ (e.g. $.links.next)");
  const steps: JsonPathStep[] = [];
  let at = 1;
  while (at < text.length) {
    if (text[at] === ".") {
      if (text[at + 1] === '"') {
        const close = text.indexOf('"', at + 2);
        if (close < 0) throw fail(`unclosed quote at ${at + 1}`);
        steps.push({ key: text.slice(at + 2, close) });
        at = close + 1;
        continue;
      }
      const end = text.slice(at + 1).search(/[.[]/);
      const key = end < 0 ? text.slice(at + 1) : text.slice(at + 1, at + 1 + end);
      if (key === "") throw fail(`empty key at ${at + 1}`);
      steps.push({ key });
      at += 1 + key.length;
      continue;
    }
    if (text[at] === "[") {
      const match = /^\[(?:(\d+)|#-(\d+))\]/.exec(text.slice(at));
      if (!match) throw fail(`expected [n] or [#-n] at ${at}`);
      steps.push(
        match[1] !== undefined ? { index: Number(match[1]) } : {
          fromEnd: Number(match[2]),
        },
      );
      at += match[0].length;
      continue;
    }
    throw fail(`expected . or [ at ${at}`);
  }
  return { text, steps };
}

/**
 * The value at `path` in `value`, or undefined when the path leads nowhere
 * (a missing key, an index out of range, a step into something that is not
 * an object or array).
 *
 * @example Usage
 * ```ts
 * import { parseJsonPath, readJsonPath } from "./json_path.ts";
 * import assert from "node:assert/strict";
 * const body = { links: { next: "/p/2" }, hits: [1, 2, 3] };
 * assert.equal(readJsonPath(body, parseJsonPath("$.links.next")), "/p/2");
 * assert.equal(readJsonPath(body, parseJsonPath("$.hits[#-1]")), 3);
 * assert.equal(readJsonPath(body, parseJsonPath("$.links.prev")), undefined);
 * ```
 */
export function readJsonPath(value: unknown, path: JsonPath): unknown {
  let at = value;
  for (const step of path.steps) {
    if (typeof at !== "object" || at === null) return undefined;
    if ("key" in step) {
      if (Array.isArray(at) || !Object.hasOwn(at, step.key)) return undefined;
      at = (at as Record<string, unknown>)[step.key];
    } else {
      if (!Array.isArray(at)) return undefined;
      const index = "index" in step ? step.index : at.length - step.fromEnd;
      if (index < 0 || index >= at.length) return undefined;
      at = at[index];
    }
  }
  return at;
}
