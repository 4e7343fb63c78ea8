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
export { openInput, type OpenInputOptions } from "./input.ts";
export type { InputSource, JobSettings, QueryRecord } from "./input.ts";
export {
  type CompiledTemplate,
  compileTemplate,
  type RenderedRequest,
  type RenderOptions,
  type RequestTemplate,
  type SchemeSource,
} from "./template.ts";
export { type PreparedJob, prepareJob, type PrepareJobOptions } from "./prepare_job.ts";
export type { DuplicateKey, DuplicateReport, KeptItem } from "./duplicate_keys.ts";
// The store a job is prepared in, and its rows.
export type * from "../store/mod.ts";
