/**
 * The environment a template needs, checked before anything is imported or
 * sent: an unset `{{env.NAME}}` would otherwise fail every item, one at a
 * time, at the paced rate.
 *
 * @module
 */
import { asInputError } from "../util/as_input_error.ts";
import { InputError } from "../errors.ts";
import type { CompiledTemplate } from "./template.ts";

/**
 * Checks that every `{{env.NAME}}` the template uses is set, and that an
 * environment variable starting the URL gives it an http(s) scheme.
 *
 * @throws {InputError} Naming each unset variable and where the template uses
 * it, or the URL's scheme.
 *
 * @example Usage
 * ```ts
 * import { checkEnv } from "./check_env.ts";
 * import { compileTemplate } from "./template.ts";
 * import assert from "node:assert/strict";
 * const template = compileTemplate({
 *   url: "https://api.example.com/search",
 *   headers: { Authorization: "Bearer {{env.API_TOKEN}}" },
 * });
 * checkEnv(template, () => "secret");
 * assert.throws(() => checkEnv(template, () => undefined), {
 *   name: "InputError",
 *   message: 'environment variable API_TOKEN is not set (used in header "Authorization")',
 * });
 * ```
 */
export function checkEnv(
  template: Pick<CompiledTemplate, "envUses" | "checkScheme">,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): void {
  const unset = [...template.envUses]
    .filter(([name]) => env(name) === undefined)
    .map(([name, uses]) => `environment variable ${name} is not set (used in ${uses.join(", ")})`);
  if (unset.length > 0) throw new InputError(unset.join("; "));
  asInputError(() => template.checkScheme(env));
}
