/**
 * The checks of `--next` made before anything is sent.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { formatNextSpec, parseNextSpec } from "../job/next_spec.ts";
import type { CompiledTemplate } from "../job/template.ts";
import type { NextFunction } from "./pager.ts";

/**
 * Refuses, before anything is sent, a `next` that does not parse and a
 * template using `{{page.cursor}}` when nothing gives a cursor: a next spec
 * `cursor:$.path`, a next function, or a processor (its rows' `next`).
 *
 * @throws {InputError} Naming `--next`.
 *
 * @example Usage
 * ```ts
 * import { checkPages } from "./check_pages.ts";
 * import { compileTemplate } from "../job/template.ts";
 * import assert from "node:assert/strict";
 * const template = compileTemplate({ url: "http://api.test/s?after={{page.cursor}}" });
 * checkPages(template, { next: "cursor:$.next" });
 * assert.throws(() => checkPages(template, { next: "link" }), /\{\{page.cursor\}\} needs --next cursor:/);
 * assert.throws(() => checkPages(template, { next: "curser:$.next" }), /Cannot parse --next/);
 * ```
 */
export function checkPages(
  template: Pick<CompiledTemplate, "pageNames">,
  options: { next?: string | NextFunction | undefined; processor?: unknown },
): void {
  const { next, processor } = options;
  const spec = typeof next === "string" ? parseNextSpec(next, "--next") : next;
  if (!template.pageNames.includes("cursor") || processor !== undefined) return;
  if (typeof spec === "function" || spec?.kind === "cursor") return;
  throw new InputError(
    `Cannot use {{page.cursor}} in the request: {{page.cursor}} needs --next cursor:$.path ` +
      `(the answer's cursor for the next request) or a processor that names it, ` +
      (spec === undefined ? "and no --next is given" : `not --next ${formatNextSpec(spec)}`),
  );
}
