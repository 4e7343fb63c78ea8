/**
 * What a job's name may be: it is printed in progress lines, summaries,
 * `status` and the dashboard, and typed again to resume the job.
 *
 * @module
 */
import { InputError } from "../errors.ts";

// C0 and C1 control characters and DEL: line breaks, tabs, terminal escapes.
const CONTROL = /\p{Cc}/u;

/**
 * Returns `name` when it can name a job: not empty or blank (an unset
 * variable: `--job "$JOB"`), and without control characters, which would
 * garble (or, as terminal escapes, act on) everything that prints it.
 *
 * @param name The job's name, given or made from the input's name.
 * @throws {InputError} Naming `--job` and why.
 *
 * @example Usage
 * ```ts
 * import { checkJobName } from "./check_job_name.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkJobName("queries 2026-12"), "queries 2026-12");
 * assert.throws(() => checkJobName(""), /is empty/);
 * assert.throws(() => checkJobName("a\u001b[31m"), /control character/);
 * ```
 */
export function checkJobName(name: string): string {
  const shown = JSON.stringify(name);
  if (name.trim() === "") {
    throw new InputError(
      `Cannot use --job ${shown} as a job name: it is empty (is a variable unset?)`,
    );
  }
  if (CONTROL.test(name)) {
    throw new InputError(
      `Cannot use --job ${shown} as a job name: it holds a control character (a line break, ` +
        "a tab, a terminal escape), which would garble what sluice prints; pass --job NAME",
    );
  }
  return name;
}
