/**
 * Request bodies: a string template, sent as text or, when it is JSON once
 * placeholders are considered, as a JSON template; or a JSON value (from a job
 * file) whose strings hold placeholders.
 *
 * @module
 */
import {
  compileText,
  type EnvReader,
  joinPieces,
  placeholderValue,
  type TextRender,
} from "./compile_text.ts";
import { isRawJson, parseExactJson } from "./exact_json.ts";
import {
  parsePlaceholders,
  type PlaceholderScope,
  type TemplatePart,
} from "./parse_placeholders.ts";

/** Renders the body text and tells whether it is JSON. */
export type BodyRender = (vars: Record<string, unknown>, env: EnvReader) => [string, boolean];

const SENTINEL = /\uE000(\d+)\uE001/;

/** Appends the JSON text of `value` to `out` as literal fragments and closures. */
function emitJson(
  value: unknown,
  split: (s: string) => TemplatePart[],
  out: (string | TextRender)[],
): void {
  const push = (piece: string | TextRender) => {
    const last = out.length - 1;
    if (typeof piece === "string" && typeof out[last] === "string") out[last] += piece;
    else out.push(piece);
  };
  const emitString = (s: string, keepType: boolean) => {
    const parts = split(s);
    if (parts.every((p) => typeof p === "string")) return push(JSON.stringify(parts.join("")));
    const only = parts[0]!;
    if (keepType && parts.length === 1 && typeof only !== "string") {
      const get = placeholderValue(only);
      return push((vars, env) => JSON.stringify(get(vars, env)));
    }
    const text = compileText(parts);
    push((vars, env) => JSON.stringify(text(vars, env)));
  };
  if (typeof value === "string") return emitString(value, true);
  if (isRawJson(value)) return push(JSON.stringify(value)); // a long number, digit for digit
  if (Array.isArray(value)) {
    push("[");
    value.forEach((item, i) => {
      if (i > 0) push(",");
      emitJson(item, split, out);
    });
    return push("]");
  }
  if (value !== null && typeof value === "object") {
    push("{");
    Object.entries(value).forEach(([key, item], i) => {
      if (i > 0) push(",");
      emitString(key, false);
      push(":");
      emitJson(item, split, out);
    });
    return push("}");
  }
  push(JSON.stringify(value) ?? "null");
}

/** Replaces placeholders by sentinels (quoted outside JSON strings) so that JSON.parse can tell. */
function parseJsonTemplate(parts: TemplatePart[]): { value: unknown } | undefined {
  let text = "";
  let inString = false;
  parts.forEach((p, i) => {
    if (typeof p !== "string") {
      text += inString ? `\uE000${i}\uE001` : `"\uE000${i}\uE001"`;
      return;
    }
    for (let c = 0; c < p.length; c++) {
      const ch = p[c];
      if (inString && ch === "\\") c++;
      else if (ch === '"') inString = !inString;
    }
    text += p;
  });
  try {
    return { value: parseExactJson(text) };
  } catch {
    return undefined;
  }
}

/**
 * Compiles a request body. A string without placeholders is sent verbatim; a
 * string that is one placeholder sends a string value as text and anything
 * else as JSON; a string that is JSON once placeholders are considered is a
 * JSON template, where a JSON string that is exactly one placeholder takes the
 * value with its type; any other string is text. A non-string body is a JSON
 * value whose strings (keys too) may hold placeholders.
 *
 * @param body The body as written, or undefined/null for none.
 * @param scope Collects the fields and environment names used.
 * @param encode How a text body (neither JSON nor one placeholder) encodes
 * each value: `encodeURIComponent` for a form.
 * @returns The body's render, or undefined when there is no body.
 * @throws {TypeError} On bad placeholder syntax.
 *
 * @example Usage
 * ```ts
 * import { compileBody } from "./compile_body.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const render = compileBody('{"n":"{{n}}","t":"page {{n}}"}', scope)!;
 * assert.deepEqual(render({ n: 2 }, () => undefined), ['{"n":2,"t":"page 2"}', true]);
 * assert.equal(compileBody(undefined, scope), undefined);
 * ```
 */
export function compileBody(
  body: unknown,
  scope: PlaceholderScope,
  encode?: (text: string) => string,
): BodyRender | undefined {
  if (body === undefined || body === null) return undefined;
  const pieces: (string | TextRender)[] = [];
  if (typeof body === "string") {
    const parts = parsePlaceholders(body, "body", scope);
    const parsed = parseJsonTemplate(parts);
    if (parts.every((p) => typeof p === "string")) {
      const fixed: [string, boolean] = [body, parsed !== undefined];
      return () => fixed;
    }
    const only = parts[0]!;
    if (parts.length === 1 && typeof only !== "string") {
      // The whole body is one placeholder: text as is, anything else as JSON.
      const get = placeholderValue(only);
      return (vars, env) => {
        const value = get(vars, env);
        return typeof value === "string" ? [value, false] : [JSON.stringify(value), true];
      };
    }
    if (parsed === undefined) {
      const text = compileText(parts, encode);
      return (vars, env) => [text(vars, env), false];
    }
    const split = (s: string): TemplatePart[] =>
      s.split(SENTINEL).map((piece, i) => i % 2 === 0 ? piece : parts[Number(piece)]!)
        .filter((piece) => piece !== "");
    emitJson(parsed.value, split, pieces);
  } else {
    emitJson(body, (s) => parsePlaceholders(s, "body", scope), pieces);
  }
  const json = joinPieces(pieces);
  return (vars, env) => [json(vars, env), true];
}
