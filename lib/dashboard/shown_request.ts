/**
 * An item's request as the item page shows it: rendered from the job's
 * template and the item's query, with every `{{env.NAME}}` value and the
 * value of every credential header shown as `***`.
 *
 * @module
 */
import { compileTemplate, type RequestTemplate } from "../job/template.ts";
import { REDACTED } from "../job/redact_secrets.ts";

/** A rendered request with its secrets masked, or why it cannot be rendered. */
export type ShownRequest =
  | { method: string; url: string; headers: [string, string][]; body: string | undefined }
  | { error: string };

// Headers that carry credentials even when written into the template as plain text.
const CREDENTIALS = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$/i;

/**
 * Renders `vars` through `template` with secrets masked.
 *
 * @example Usage
 * ```ts
 * import { shownRequest } from "./shown_request.ts";
 * import assert from "node:assert/strict";
 * const template = {
 *   url: "https://api.test/search?key={{env.KEY}}&q={{q}}",
 *   headers: { authorization: "Bearer abc123", "x-trace": "{{q}}" },
 * };
 * const shown = shownRequest(template, { q: "deno" });
 * assert.ok(!("error" in shown));
 * assert.equal(shown.url, "https://api.test/search?key=***&q=deno");
 * assert.deepEqual(shown.headers, [["authorization", "Bearer ***"], ["x-trace", "deno"]]);
 * ```
 */
export function shownRequest(
  template: RequestTemplate,
  vars: Record<string, unknown>,
): ShownRequest {
  try {
    const r = compileTemplate(template).render(vars, () => REDACTED, { validate: false });
    const headers = Object.entries(r.headers).map(([name, value]): [string, string] => [
      name,
      CREDENTIALS.test(name) ? value.replace(/^(\S+\s+)?.*$/s, `$1${REDACTED}`) : value,
    ]);
    return { method: r.method, url: r.url, headers, body: r.body };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
