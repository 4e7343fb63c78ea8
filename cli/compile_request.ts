/**
 * The request template from the command line or a job file, compiled.
 *
 * @module
 */
import { InputError } from "../lib/errors.ts";
import { compileTemplate, type RequestTemplate } from "../lib/job/template.ts";

/**
 * Compiles the request template, reporting a bad one as bad input.
 *
 * @throws {InputError} For bad placeholder syntax, a URL that is not http(s) or a bad method.
 *
 * @example Usage
 * ```ts
 * import { compileRequest } from "./compile_request.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => compileRequest({ url: "not a url" }), InputError);
 * ```
 */
export function compileRequest(request: RequestTemplate): ReturnType<typeof compileTemplate> {
  try {
    return compileTemplate(request);
  } catch (error) {
    if (error instanceof TypeError) {
      throw new InputError(error.message, undefined, { cause: error });
    }
    throw error;
  }
}
