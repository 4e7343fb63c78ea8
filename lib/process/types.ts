/**
 * The types of `./process`: processing's options and progress, the
 * processor's types, and the store's types it reads and writes through.
 * Re-exported by `./run`, so that its docs link every name they show.
 *
 * @module
 */
export type { Processing, ProcessingOptions, QueryOf } from "./processing.ts";
export type {
  ProcessProgress,
  ProcessStoredOptions,
  ProcessStoredSummary,
} from "./process_stored.ts";
export type { Processor, ProcessorAnswer, ProcessorRows, TableDeclaration } from "./processor.ts";
export type { NextRequest } from "../job/next_spec.ts";
export type { Clock } from "../util/clock.ts";
// The store processing reads and writes, and its rows.
export type * from "../store/types.ts";
