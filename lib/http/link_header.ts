/**
 * The `Link` header (RFC 8288): a list of `<target>; param=value` links,
 * several per header and several headers joined by commas, values quoted or
 * not, `rel` a space-separated list of relation types compared without case.
 *
 * @module
 */

/** One link of a `Link` header: its target as written, and its parameters (names lower case). */
export interface LinkValue {
  /** The target, as written between `<` and `>` (maybe relative). */
  target: string;
  /** The parameters; the first of a repeated name wins, as RFC 8288 says of `rel`. */
  params: Record<string, string>;
}

/**
 * Parses a `Link` header's value. A link that does not parse is skipped,
 * with what follows it up to the next comma outside `<>` and quotes.
 *
 * @example Usage
 * ```ts
 * import { parseLinkHeader } from "./link_header.ts";
 * import assert from "node:assert/strict";
 * const links = parseLinkHeader('</a?x=1,2>; rel="next last"; title="a, b", <b>;rel=prev');
 * assert.deepEqual(links, [
 *   { target: "/a?x=1,2", params: { rel: "next last", title: "a, b" } },
 *   { target: "b", params: { rel: "prev" } },
 * ]);
 * ```
 */
export function parseLinkHeader(value: string): LinkValue[] {
  const links: LinkValue[] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < value.length && (value[at] === " " || value[at] === "\t")) at++;
  };
  while (at < value.length) {
    skipSpace();
    if (value[at] === ",") {
      at++;
      continue;
    }
    if (value[at] !== "<") {
      at = skipLink(value, at);
      continue;
    }
    const close = value.indexOf(">", at + 1);
    if (close < 0) break;
    const link: LinkValue = { target: value.slice(at + 1, close).trim(), params: {} };
    at = close + 1;
    for (;;) {
      skipSpace();
      if (value[at] !== ";") break;
      at++;
      skipSpace();
      const name = /^[^=;,\s]*/.exec(value.slice(at))![0].toLowerCase();
      at += name.length;
      skipSpace();
      let param = "";
      if (value[at] === "=") {
        at++;
        skipSpace();
        if (value[at] === '"') [param, at] = quoted(value, at);
        else {
          param = /^[^;,]*/.exec(value.slice(at))![0];
          at += param.length;
          param = param.trim();
        }
      }
      if (name !== "" && !Object.hasOwn(link.params, name)) link.params[name] = param;
    }
    links.push(link);
    at = skipLink(value, at);
  }
  return links;
}

/**
 * The target of the first link whose `rel` holds `rel` (compared without
 * case), or undefined.
 *
 * @example Usage
 * ```ts
 * import { linkWithRel } from "./link_header.ts";
 * import assert from "node:assert/strict";
 * const header = '<https://api.test/s?page=3>; rel="last", <https://api.test/s?page=2>; rel=NEXT';
 * assert.equal(linkWithRel(header, "next"), "https://api.test/s?page=2");
 * assert.equal(linkWithRel(header, "prev"), undefined);
 * ```
 */
export function linkWithRel(header: string, rel: string): string | undefined {
  const wanted = rel.toLowerCase();
  for (const link of parseLinkHeader(header)) {
    const rels = (link.params.rel ?? "").toLowerCase().split(/[ \t]+/);
    if (rels.includes(wanted)) return link.target;
  }
  return undefined;
}

/** A quoted string from its opening quote: its text (escapes undone) and where it ends. */
function quoted(value: string, open: number): [string, number] {
  let text = "";
  let at = open + 1;
  while (at < value.length && value[at] !== '"') {
    if (value[at] === "\\" && at + 1 < value.length) at++;
    text += value[at];
    at++;
  }
  return [text, at + 1];
}

/** Where the next link starts: past the comma that ends this one, outside `<>` and quotes. */
function skipLink(value: string, from: number): number {
  let at = from;
  while (at < value.length && value[at] !== ",") {
    if (value[at] === '"') [, at] = quoted(value, at);
    else if (value[at] === "<") {
      const close = value.indexOf(">", at);
      at = close < 0 ? value.length : close + 1;
    } else at++;
  }
  return at + 1;
}
