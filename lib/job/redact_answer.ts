/**
 * Secrets echoed back in an answer: a server that repeats the request
 * (httpbin's `/anything`, a debug endpoint, an error page quoting a header)
 * would put an `{{env.NAME}}` value into the stored body. Such values are
 * replaced by `***` before the answer is stored, so the database, exports,
 * the dashboard and processing never hold them.
 *
 * Answers are data, not text sluice wrote: a value shorter than
 * {@linkcode MIN_ANSWER_SECRET} characters is not searched for (a 2-letter
 * region or a 3-digit id would match ordinary data everywhere).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { REDACTED, urlSpellings } from "./redact_secrets.ts";

/** Secrets shorter than this (in characters) are left in answers. */
export const MIN_ANSWER_SECRET = 4;

/** How to find a set of secrets in an answer. */
interface AnswerPattern {
  /**
   * Tested with `includes` before any replacing: of each secret, its longest
   * run of characters that no spelling changes (letters, digits, `-_.~`), in
   * every spelling; its spellings when it has no such run.
   */
  anchors: readonly string[];
  /** All the spellings, longest first. */
  all: RegExp;
  /** The same for bytes, with each spelling's UTF-8 read as Latin-1 (one char per byte). */
  allAsBytes: RegExp;
}

const escape = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
const latin1 = (text: string) => Buffer.from(text, "utf8").toString("latin1");

/** A value as a JSON string holds it, without the quotes. */
const inJson = (text: string) => JSON.stringify(text).slice(1, -1);

/**
 * The spellings a value takes in an echo: as URLs spell it, in a JSON
 * string (escaped; `\/` as PHP writes a slash; `\uXXXX` beyond ASCII as
 * Python writes it), and escaped twice (a JSON body echoed as a string, as
 * httpbin's `data`).
 */
function answerSpellings(secret: string): string[] {
  const json = inJson(secret);
  const ascii = json.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return [...urlSpellings(secret), json, json.replaceAll("/", "\\/"), ascii, inJson(json)];
}

// Keyed by the secrets joined: a run renders the same few values request after request,
// and the last ones are compared first (no string built per answer).
const cache = new Map<string, AnswerPattern | null>();
let last: { secrets: readonly string[]; pattern: AnswerPattern | null } | undefined;

function patternOf(secrets: readonly string[]): AnswerPattern | null {
  if (last !== undefined && sameValues(last.secrets, secrets)) return last.pattern;
  const key = secrets.join("\0");
  let found = cache.get(key);
  if (found === undefined) found = compile(secrets);
  if (cache.size >= 64) cache.clear();
  cache.set(key, found);
  last = { secrets: [...secrets], pattern: found };
  return found;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compile(secrets: readonly string[]): AnswerPattern | null {
  const long = secrets.filter((s) => s.length >= MIN_ANSWER_SECRET);
  const forms = [...new Set(long.flatMap(answerSpellings))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return null;
  const regex = (list: string[]) => new RegExp(list.map(escape).join("|"), "g");
  const anchors = long.flatMap((secret) => {
    const runs = secret.match(/[A-Za-z0-9_.~-]+/g) ?? [];
    const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), "");
    return longest.length > 0 ? [longest] : answerSpellings(secret).map(latin1);
  });
  return {
    anchors: [...new Set(anchors)],
    all: regex(forms),
    allAsBytes: regex(forms.map(latin1)),
  };
}

/**
 * Replaces every secret value an answer's body (text, or bytes that are not
 * text) holds by `***`: each of `secrets` of at least
 * {@linkcode MIN_ANSWER_SECRET} characters, as is, as URLs spell it and as
 * JSON escapes it. Returns `body` itself when it holds none (and at once when
 * there are no secrets: the cost of a template without `{{env.…}}` is one
 * length check); a search per spelling otherwise.
 *
 * @example Usage
 * ```ts
 * import { redactAnswer } from "./redact_answer.ts";
 * import assert from "node:assert/strict";
 * const echoed = '{"headers":{"Authorization":"Bearer tok-123"},"url":"/a?k=tok-123"}';
 * assert.equal(
 *   redactAnswer(echoed, ["tok-123"]),
 *   '{"headers":{"Authorization":"Bearer ***"},"url":"/a?k=***"}',
 * );
 * assert.equal(redactAnswer('{"region":"eu"}', ["eu"]), '{"region":"eu"}'); // too short
 * const bytes = new Uint8Array([0, ...new TextEncoder().encode("tok-123"), 0xff]);
 * assert.deepEqual(redactAnswer(bytes, ["tok-123"]), new Uint8Array([0, 42, 42, 42, 0xff]));
 * ```
 */
export function redactAnswer<T extends string | Uint8Array>(
  body: T,
  secrets: readonly string[] | undefined,
): T {
  if (secrets === undefined || secrets.length === 0 || body.length === 0) return body;
  const pattern = patternOf(secrets);
  if (pattern === null) return body;
  if (typeof body === "string") {
    return holdsAny(body, pattern.anchors) ? body.replace(pattern.all, REDACTED) as T : body;
  }
  // Bytes that are not text: read one char per byte, so every byte comes back as it was.
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1");
  if (!holdsAny(text, pattern.anchors)) return body;
  const redacted = text.replace(pattern.allAsBytes, REDACTED);
  return redacted === text ? body : new Uint8Array(Buffer.from(redacted, "latin1")) as T;
}

function holdsAny(text: string, forms: readonly string[]): boolean {
  for (const form of forms) if (text.includes(form)) return true;
  return false;
}
