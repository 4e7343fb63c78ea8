/**
 * Rendering of parsed template text: literal pieces and placeholders joined
 * by closures built once, so that rendering a query does no parsing.
 *
 * @module
 */
import { OPTIONAL_CURSOR, type Placeholder, type TemplatePart } from "./parse_placeholders.ts";

/** Reads an environment variable at render time. */
export type EnvReader = (name: string) => string | undefined;

/** Renders one piece of a request for a query's variables. */
export type TextRender = (vars: Record<string, unknown>, env: EnvReader) => string;

type Vars = Record<string, unknown>;

/**
 * Text of a value: strings as is, objects as JSON (a long number kept as its
 * text, a `JSON.rawJSON` value, gives its digits), the rest through `String`.
 */
const toText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "object" && value !== null
    ? JSON.stringify(value)
    : String(value);

/**
 * Returns a closure that reads the placeholder's value, with its type.
 *
 * @param placeholder The placeholder.
 * @returns The reader; it throws a `TypeError` naming a missing field or
 * environment variable.
 *
 * @example Usage
 * ```ts
 * import { placeholderValue } from "./compile_text.ts";
 * import assert from "node:assert/strict";
 * const read = placeholderValue({ env: "TOKEN" });
 * assert.equal(read({}, () => "secret"), "secret");
 * assert.throws(() => read({}, () => undefined), TypeError);
 * ```
 */
export function placeholderValue(
  placeholder: Placeholder,
): (vars: Vars, env: EnvReader) => unknown {
  const p = placeholder;
  const { field } = p;
  const missing = field === undefined
    ? `environment variable "${p.env}" is not set`
    : `query has no field "${field}"`;
  const read = field === undefined ? (_: Vars, env: EnvReader) => env(p.env) : p.get;
  return (vars, env) => {
    const value = read(vars, env);
    if (value === undefined) throw new TypeError(`Cannot render template: ${missing}`);
    return value;
  };
}

/**
 * Joins literal pieces and renders into one render; a single render is
 * returned as is.
 *
 * @param pieces Literal text and renders, in order.
 * @returns The render of the whole.
 *
 * @example Usage
 * ```ts
 * import { joinPieces } from "./compile_text.ts";
 * import assert from "node:assert/strict";
 * const render = joinPieces(["n=", (vars) => String(vars.n)]);
 * assert.equal(render({ n: 3 }, () => undefined), "n=3");
 * ```
 */
export function joinPieces(pieces: (string | TextRender)[]): TextRender {
  const only = pieces[0];
  if (pieces.length === 1 && typeof only !== "string") return only!;
  return (vars, env) => {
    let out = "";
    for (const piece of pieces) out += typeof piece === "string" ? piece : piece(vars, env);
    return out;
  };
}

/**
 * `encodeURIComponent`, with an error that says what is wrong with text it
 * cannot encode: a lone surrogate (`"\ud800"` in JSON input, half of a
 * UTF-16 pair) is not Unicode text and has no UTF-8 bytes.
 *
 * @throws {TypeError} For text with a lone surrogate.
 *
 * @example Usage
 * ```ts
 * import { percentEncode } from "./compile_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(percentEncode("c++ & é"), "c%2B%2B%20%26%20%C3%A9");
 * assert.throws(() => percentEncode("a\ud800b"), /lone surrogate/);
 * ```
 */
export function percentEncode(text: string): string {
  if (text.isWellFormed()) return encodeURIComponent(text);
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  throw new TypeError(
    `Cannot percent-encode ${shown}: it holds a lone surrogate (half of a UTF-16 pair), ` +
      "which is not text",
  );
}

/**
 * Compiles parsed text into a render: values as text (objects as JSON),
 * each passed through `encode` when given.
 *
 * @param parts The parsed text.
 * @param encode Applied to each placeholder's text (`encodeURIComponent` in a URL).
 * @returns The render.
 *
 * @example Usage
 * ```ts
 * import { compileText } from "./compile_text.ts";
 * import { parsePlaceholders } from "./parse_placeholders.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const render = compileText(parsePlaceholders("q={{q}}", "url", scope), encodeURIComponent);
 * assert.equal(render({ q: "a b" }, () => undefined), "q=a%20b");
 * ```
 */
export function compileText(parts: TemplatePart[], encode?: (text: string) => string): TextRender {
  return joinPieces(parts.map((p) => {
    if (typeof p === "string") return p;
    if (p.optional) {
      // Only a URL's query parameters can be left out (compile_url.ts takes those).
      throw new TypeError(
        `Cannot use ${OPTIONAL_CURSOR} in url except as a query parameter's whole value ` +
          `(?after=${OPTIONAL_CURSOR}&limit=10)`,
      );
    }
    const value = placeholderValue(p);
    if (p.page !== undefined) {
      // The first page's null cursor is no text at all, not "null".
      return (vars: Vars, env: EnvReader) => {
        const v = value(vars, env);
        return v === null ? "" : encode ? encode(toText(v)) : toText(v);
      };
    }
    return encode
      ? (vars: Vars, env: EnvReader) => encode(toText(value(vars, env)))
      : (vars: Vars, env: EnvReader) => toText(value(vars, env));
  }));
}
