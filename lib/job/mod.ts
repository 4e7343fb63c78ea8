/**
 * sluice's inputs and request templates, for scripts that import and run a
 * job step by step: {@linkcode openInput} reads queries (JSONL, CSV, a JSON
 * array or a job file), {@linkcode compileTemplate} checks a request
 * template, {@linkcode prepareJob} creates or resumes a job and imports its
 * queries; `runJob` (`./run`) runs it. The store's types (`./store`) are
 * re-exported: a job is prepared in a store and is one of its rows.
 *
 * @example Compile a template and render one request
 * ```ts
 * import { compileTemplate } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const template = compileTemplate({ url: "http://api.test/search?q={{q}}" });
 * assert.equal(template.render({ q: "a b" }, () => undefined).url, "http://api.test/search?q=a%20b");
 * ```
 *
 * @module
 */
export { openInput } from "./input.ts";
export { compileTemplate } from "./template.ts";
export { prepareJob } from "./prepare_job.ts";
export type * from "./types.ts";
