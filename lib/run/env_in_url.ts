/**
 * A next URL that holds an `{{env.NAME}}` value (an API key the server
 * echoes into its next link) is stored with the name in its place and the
 * value put back when its page is sent: the database never holds it.
 *
 * @module
 */
import { MIN_ANSWER_SECRET } from "../job/redact_answer.ts";
import { urlSpellings } from "../job/redact_secrets.ts";

/** A secret's name in a stored next URL, with which of its URL spellings stood there. */
const ENV_IN_URL = /\{\{env\.([A-Za-z_][A-Za-z0-9_]*):(\d+)\}\}/g;

/**
 * A next URL as its page's item stores it: each `{{env.NAME}}` value it
 * holds, in any way a URL spells it, replaced by `{{env.NAME:k}}` (k the
 * spelling), so that the database never holds the value.
 *
 * @example Usage
 * ```ts
 * import { withEnvNames, withEnvValues } from "./env_in_url.ts";
 * import assert from "node:assert/strict";
 * const env = new Map([["KEY", "s3cr+t"]]);
 * const stored = withEnvNames("https://api.test/s?key=s3cr%2Bt&page=2", env);
 * assert.equal(stored, "https://api.test/s?key={{env.KEY:1}}&page=2");
 * assert.equal(withEnvValues(stored, (name) => env.get(name)), "https://api.test/s?key=s3cr%2Bt&page=2");
 * ```
 */
export function withEnvNames(url: string, env: ReadonlyMap<string, string> | undefined): string {
  if (!env || env.size === 0) return url;
  const spellings: [string, string][] = [];
  for (const [name, value] of env) {
    if (value.length < MIN_ANSWER_SECRET) continue;
    urlSpellings(value).forEach((form, k) => spellings.push([form, `{{env.${name}:${k}}}`]));
  }
  // Longest first, so that a value holding another is replaced whole.
  spellings.sort((a, b) => b[0].length - a[0].length);
  let masked = url;
  for (const [form, name] of spellings) masked = masked.replaceAll(form, name);
  return masked;
}

/** A stored next URL with its `{{env.NAME:k}}` put back as the value's k-th URL spelling. */
export function withEnvValues(url: string, env: (name: string) => string | undefined): string {
  return url.replace(ENV_IN_URL, (whole, name: string, k: string) => {
    const value = env(name);
    return value === undefined ? whole : urlSpellings(value)[Number(k)] ?? whole;
  });
}
