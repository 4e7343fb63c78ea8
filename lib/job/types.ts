/**
 * The types of `./job`: inputs, request templates, a prepared job and its
 * duplicate keys, and the store's types a job is prepared in. Re-exported
 * by `./run`, so that its docs link every name they show.
 *
 * @module
 */
export type { InputSource, JobSettings, OpenInputOptions, QueryRecord } from "./input.ts";
export type {
  CompiledTemplate,
  RenderedRequest,
  RenderOptions,
  RequestTemplate,
  SchemeSource,
} from "./template.ts";
export type { PreparedJob, PrepareJobOptions } from "./prepare_job.ts";
export type { DuplicateKey, DuplicateReport, KeptItem } from "./duplicate_keys.ts";
// The store a job is prepared in, and its rows.
export type * from "../store/types.ts";
