/**
 * Redaction of secrets (`{{env.NAME}}` values) from text that is stored,
 * printed or shown: a URL, an error message, a header.
 *
 * @module
 */

/** What a secret is replaced by. */
export const REDACTED = "***";

const STRICT = /[!'()*]/g;
const strictEncode = (text: string) =>
  encodeURIComponent(text).replace(STRICT, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The spellings a value takes in a URL: as is, percent-encoded (by
 * `encodeURIComponent`, with `!'()*` too, by `encodeURI`), form-encoded.
 *
 * @example Usage
 * ```ts
 * import { urlSpellings } from "./redact_secrets.ts";
 * import assert from "node:assert/strict";
 * assert.ok(urlSpellings("a b").includes("a%20b"));
 * assert.ok(urlSpellings("a b").includes("a+b"));
 * ```
 */
export function urlSpellings(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), strictEncode(secret)];
  try {
    forms.push(encodeURI(secret)); // a base URL inserted as is, as URL parsing encodes it
  } catch { /* a lone surrogate: no such spelling */ }
  forms.push(forms[1]!.replaceAll("%20", "+"));
  return forms;
}

const escape = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

// Keyed by the secrets joined: a run reads the same few values request after request.
const cache = new Map<string, RegExp>();

function pattern(secrets: readonly string[]): RegExp | undefined {
  const key = secrets.join("\0");
  let found = cache.get(key);
  if (found) return found;
  const forms = [...new Set(secrets.filter((s) => s !== "").flatMap(urlSpellings))];
  if (forms.length === 0) return undefined;
  // Longest first, so that a secret holding another is replaced whole.
  forms.sort((a, b) => b.length - a.length);
  found = new RegExp(forms.map(escape).join("|"), "g");
  if (cache.size >= 64) cache.clear();
  cache.set(key, found);
  return found;
}

/**
 * Replaces every occurrence of each secret in `text` by `***`: the value as
 * is and as URLs spell it (percent-encoded by `encodeURIComponent`, with
 * `!'()*` encoded too, by `encodeURI`, and with `+` for spaces). Empty
 * secrets are ignored.
 *
 * @param text A URL, an error message, a header value.
 * @param secrets The secret values, such as a rendered request's `secrets`.
 * @returns The text without the secrets.
 *
 * @example Usage
 * ```ts
 * import { redactSecrets } from "./redact_secrets.ts";
 * import assert from "node:assert/strict";
 * const secrets = ["s3cr/t key"];
 * assert.equal(
 *   redactSecrets("https://api.test/?k=s3cr%2Ft%20key failed", secrets),
 *   "https://api.test/?k=*** failed",
 * );
 * assert.equal(redactSecrets("Bearer s3cr/t key", secrets), "Bearer ***");
 * assert.equal(redactSecrets("nothing here", []), "nothing here");
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (secrets === undefined || secrets.length === 0 || text === "") return text;
  const found = pattern(secrets);
  return found ? text.replace(found, REDACTED) : text;
}
