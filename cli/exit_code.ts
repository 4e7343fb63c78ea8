/**
 * The process exit codes of the command line.
 *
 * @module
 */

/**
 * Exit codes: 0 all done, 1 finished with failed items (or an error that is
 * not the user's), 2 bad usage or bad input (nothing sent), 130 interrupted.
 *
 * @example Usage
 * ```ts
 * import { EXIT } from "./exit_code.ts";
 * import assert from "node:assert/strict";
 * assert.equal(EXIT.usage, 2);
 * ```
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
