/**
 * The line between bad input and a bug: the parsers sluice's flags go
 * through throw `RangeError`/`TypeError`, which the command line reports as
 * bad input only where it hands them the user's text.
 *
 * @module
 */
import { InputError } from "../errors.ts";

/**
 * Runs `parse` over the user's input, reporting a `RangeError` or
 * `TypeError` it throws as an {@linkcode InputError} with the same message
 * (the original is its `cause`). Any other error passes through.
 *
 * @example Usage
 * ```ts
 * import { asInputError } from "./as_input_error.ts";
 * import { InputError } from "../errors.ts";
 * import { parseDuration } from "./units.ts";
 * import assert from "node:assert/strict";
 * assert.equal(asInputError(() => parseDuration("30s", "--timeout")), 30_000);
 * assert.throws(() => asInputError(() => parseDuration("soon", "--timeout")), {
 *   name: "InputError",
 *   message: "Cannot parse --timeout as a duration: current value is 'soon'",
 * });
 * assert.throws(() => asInputError(() => parseDuration("soon")), InputError);
 * ```
 */
export function asInputError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      throw new InputError(error.message, undefined, { cause: error });
    }
    throw error;
  }
}
