/**
 * Header templates: names checked once when compiled, literal values too;
 * a value with placeholders is checked as it renders (one regular-expression
 * test), so a line break from the data is a render failure of that item,
 * never a request that fetch refuses and the run retries as a network error.
 *
 * @module
 */
import { compileText, type TextRender } from "./compile_text.ts";
import { parsePlaceholders, type PlaceholderScope } from "./parse_placeholders.ts";

/** One header of a template, compiled. */
export interface CompiledHeader {
  /** The name, as written. */
  name: string;
  /** Renders the value. */
  render: TextRender;
  /** True when the value holds placeholders, so each rendered value needs {@linkcode checkHeaderValue}. */
  templated: boolean;
}

/** An HTTP token (RFC 9110 §5.1): what a header name may hold. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What fetch refuses in a header value: CR, LF, NUL, or a character that is not one byte. */
const BAD_VALUE = /[\0\r\n\u{100}-\u{10FFFF}]/u;

function describe(char: string): string {
  if (char === "\r") return "a carriage return (CR)";
  if (char === "\n") return "a line feed (LF)";
  if (char === "\0") return "a NUL character";
  const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `the character U+${code}, which is not Latin-1`;
}

/**
 * Throws a `TypeError` when a rendered header value holds CR, LF, NUL or a
 * character above U+00FF (which fetch refuses). The message names the header
 * and the character, never the value (it may hold a secret).
 *
 * @param name The header's name.
 * @param value The rendered value.
 * @throws {TypeError} For a value fetch would refuse.
 *
 * @example Usage
 * ```ts
 * import { checkHeaderValue } from "./compile_headers.ts";
 * import assert from "node:assert/strict";
 * checkHeaderValue("x-q", "café");
 * assert.throws(() => checkHeaderValue("x-q", "a\r\nb"), {
 *   message: 'Cannot send header "x-q": its value holds a carriage return (CR)',
 * });
 * ```
 */
export function checkHeaderValue(name: string, value: string): void {
  const bad = BAD_VALUE.exec(value)?.[0];
  if (bad !== undefined) {
    throw new TypeError(`Cannot send header "${name}": its value holds ${describe(bad)}`);
  }
}

/**
 * Compiles a template's headers: names must be HTTP tokens without
 * placeholders; values may hold placeholders, and their literal text must be
 * a valid header value.
 *
 * @param headers The headers as written.
 * @param scope Collects the fields and environment names used.
 * @returns The headers, in order.
 * @throws {TypeError} For a value that is not a string, a bad name, a
 * placeholder in a name, bad placeholder syntax, or a literal CR, LF, NUL or
 * character above U+00FF in a value.
 *
 * @example Usage
 * ```ts
 * import { compileHeaders } from "./compile_headers.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const [auth] = compileHeaders({ Authorization: "Bearer {{env.TOKEN}}" }, scope);
 * assert.equal(auth!.render({}, () => "t0k"), "Bearer t0k");
 * assert.equal(auth!.templated, true);
 * assert.throws(() => compileHeaders({ "bad name": "x" }, scope), TypeError);
 * ```
 */
export function compileHeaders(
  headers: Record<string, unknown>,
  scope: PlaceholderScope,
): CompiledHeader[] {
  return Object.entries(headers).map(([name, value]) => {
    if (typeof value !== "string") {
      throw new TypeError(`Cannot use header "${name}" as a string: current value is '${value}'`);
    }
    if (name.includes("{{")) {
      throw new TypeError(`Cannot use placeholders in header name "${name}"`);
    }
    if (!TOKEN.test(name)) {
      throw new TypeError(
        `Cannot use "${name}" as a header name: only letters, digits and !#$%&'*+-.^_\`|~ are allowed`,
      );
    }
    const parts = parsePlaceholders(value, `header "${name}"`, scope);
    const bad = BAD_VALUE.exec(parts.filter((p) => typeof p === "string").join(""))?.[0];
    if (bad !== undefined) {
      throw new TypeError(`Cannot use header "${name}": its value holds ${describe(bad)}`);
    }
    const templated = parts.some((p) => typeof p !== "string");
    return { name, render: compileText(parts), templated };
  });
}
