/**
 * Request templates: `{{field}}` and `{{env.NAME}}` placeholders in the URL,
 * header values and body, compiled once into closures so that rendering does
 * no parsing and no regular-expression work.
 *
 * Environment values are read through a callback at render time and never
 * kept by the compiled template.
 *
 * @module
 */

/** A request as written by the user, with placeholders. */
export interface RequestTemplate {
  /** The URL; must be `http:` or `https:`. */
  url: string;
  /**
   * The HTTP method.
   *
   * @default {"GET" without a body, "POST" with one}
   */
  method?: string;
  /** Header values may hold placeholders; names may not. */
  headers?: Record<string, string>;
  /** A string template, or a JSON value whose strings may hold placeholders. */
  body?: unknown;
}

/** A request ready to send. */
export interface RenderedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A template compiled by {@linkcode compileTemplate}. */
export interface CompiledTemplate {
  /** Renders one request; throws a `TypeError` on a missing field or environment variable. */
  render(
    vars: Record<string, unknown>,
    env?: (name: string) => string | undefined,
  ): RenderedRequest;
  /** The first query field referenced by the template that `vars` lacks, or undefined. */
  missingField(vars: Record<string, unknown>): string | undefined;
  /** Query fields referenced, as dotted paths, in order of first use. */
  fields: string[];
  /** Names referenced as `{{env.NAME}}`, in order of first use. */
  envNames: string[];
}

type Vars = Record<string, unknown>;
type Env = (name: string) => string | undefined;
type Render = (vars: Vars, env: Env) => string;
type Getter = (vars: Vars) => unknown;
type Placeholder = { env: string; field?: undefined } | { field: string; get: Getter };
type Part = string | Placeholder;
/** Every placeholder seen while compiling one template. */
interface Scope {
  fields: string[];
  envNames: string[];
  getters: Map<string, Getter>;
}

const INNER = /^(?:env\.([A-Za-z_][A-Za-z0-9_]*)|([^\s.{}]+(?:\.[^\s.{}]+)*))$/;
const SENTINEL = /\uE000(\d+)\uE001/;
const readDenoEnv: Env = (name) => Deno.env.get(name);

function makeGetter(path: string): Getter {
  const segments = path.split(".");
  if (segments.length === 1) return (vars) => Object.hasOwn(vars, path) ? vars[path] : undefined;
  return (vars) => {
    // A literal key such as a CSV header "a.b" wins over the nested path.
    if (Object.hasOwn(vars, path)) return vars[path];
    let value: unknown = vars;
    for (const segment of segments) {
      if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) {
        return undefined;
      }
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  };
}

function parseParts(source: string, where: string, scope: Scope): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (let open = source.indexOf("{{"); open >= 0; open = source.indexOf("{{", at)) {
    const close = source.indexOf("}}", open + 2);
    if (close < 0) {
      throw new TypeError(`Cannot parse ${where} as a template: unclosed "{{" in '${source}'`);
    }
    const match = INNER.exec(source.slice(open + 2, close).trim());
    if (!match) {
      throw new TypeError(
        `Cannot parse placeholder ${
          source.slice(open, close + 2)
        } in ${where}: expected {{field}}, {{a.b}} or {{env.NAME}}`,
      );
    }
    if (open > at) parts.push(source.slice(at, open));
    const [, env, field] = match;
    if (field === undefined) {
      if (!scope.envNames.includes(env!)) scope.envNames.push(env!);
      parts.push({ env: env! });
    } else {
      if (!scope.getters.has(field)) scope.fields.push(field);
      const get = scope.getters.get(field) ?? makeGetter(field);
      scope.getters.set(field, get);
      parts.push({ field, get });
    }
    at = close + 2;
  }
  if (at < source.length) parts.push(source.slice(at));
  return parts;
}

/** Text of a value: strings as is, objects as JSON, the rest through `String`. */
const toText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "object" && value !== null
    ? JSON.stringify(value)
    : String(value);

/** A closure that returns the placeholder's value, with its type. */
function valueOf(p: Placeholder): (vars: Vars, env: Env) => unknown {
  const { field } = p;
  const missing = field === undefined
    ? `environment variable "${p.env}" is not set`
    : `query has no field "${field}"`;
  const read = field === undefined ? (_: Vars, env: Env) => env(p.env) : p.get;
  return (vars, env) => {
    const value = read(vars, env);
    if (value === undefined) throw new TypeError(`Cannot render template: ${missing}`);
    return value;
  };
}

function concat(pieces: (string | Render)[]): Render {
  const only = pieces[0];
  if (pieces.length === 1 && typeof only !== "string") return only!;
  return (vars, env) => {
    let out = "";
    for (const piece of pieces) out += typeof piece === "string" ? piece : piece(vars, env);
    return out;
  };
}

function compileText(parts: Part[], encode?: (text: string) => string): Render {
  return concat(parts.map((p) => {
    if (typeof p === "string") return p;
    const value = valueOf(p);
    return encode
      ? (vars: Vars, env: Env) => encode(toText(value(vars, env)))
      : (vars: Vars, env: Env) => toText(value(vars, env));
  }));
}

/** Appends the JSON text of `value` to `out` as literal fragments and closures. */
function emitJson(value: unknown, split: (s: string) => Part[], out: (string | Render)[]): void {
  const push = (piece: string | Render) => {
    const last = out.length - 1;
    if (typeof piece === "string" && typeof out[last] === "string") out[last] += piece;
    else out.push(piece);
  };
  const emitString = (s: string, keepType: boolean) => {
    const parts = split(s);
    if (parts.every((p) => typeof p === "string")) return push(JSON.stringify(parts.join("")));
    const only = parts[0]!;
    if (keepType && parts.length === 1 && typeof only !== "string") {
      const get = valueOf(only);
      return push((vars, env) => JSON.stringify(get(vars, env)));
    }
    const text = compileText(parts);
    push((vars, env) => JSON.stringify(text(vars, env)));
  };
  if (typeof value === "string") return emitString(value, true);
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
function parseJsonTemplate(parts: Part[]): { value: unknown } | undefined {
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
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Renders the body text and tells whether it is JSON. */
type BodyRender = (vars: Vars, env: Env) => [string, boolean];

function compileBody(body: unknown, scope: Scope): BodyRender | undefined {
  if (body === undefined || body === null) return undefined;
  const pieces: (string | Render)[] = [];
  if (typeof body === "string") {
    const parts = parseParts(body, "body", scope);
    const parsed = parseJsonTemplate(parts);
    if (parts.every((p) => typeof p === "string")) {
      const fixed: [string, boolean] = [body, parsed !== undefined];
      return () => fixed;
    }
    const only = parts[0]!;
    if (parts.length === 1 && typeof only !== "string") {
      // The whole body is one placeholder: text as is, anything else as JSON.
      const get = valueOf(only);
      return (vars, env) => {
        const value = get(vars, env);
        return typeof value === "string" ? [value, false] : [JSON.stringify(value), true];
      };
    }
    if (parsed === undefined) {
      const text = compileText(parts);
      return (vars, env) => [text(vars, env), false];
    }
    const split = (s: string): Part[] =>
      s.split(SENTINEL).map((piece, i) => i % 2 === 0 ? piece : parts[Number(piece)]!)
        .filter((piece) => piece !== "");
    emitJson(parsed.value, split, pieces);
  } else {
    emitJson(body, (s) => parseParts(s, "body", scope), pieces);
  }
  const json = concat(pieces);
  return (vars, env) => [json(vars, env), true];
}

function compileUrl(url: string, scope: Scope): Render {
  const parts = parseParts(url, "url", scope);
  const first = parts[0];
  if (parts.length === 1 && typeof first !== "string" && first !== undefined) {
    return compileText(parts); // the whole URL is one placeholder: checked when sent
  }
  // A leading placeholder is a base URL such as {{env.API_BASE}}: inserted as is.
  const sample = parts.map((p, i) =>
    typeof p === "string" ? p : i === 0 ? "https://sample.invalid" : "sample"
  ).join("");
  if (!URL.canParse(sample) || !/^https?:$/.test(new URL(sample).protocol)) {
    throw new TypeError(`Cannot parse url as a URL: current value is '${url}'`);
  }
  const rest = compileText(parts.slice(1), encodeURIComponent);
  if (typeof first === "string") return (vars, env) => first + rest(vars, env);
  const base = compileText([first!]);
  return (vars, env) => base(vars, env) + rest(vars, env);
}

/**
 * Compiles a request template once, validating its placeholders and URL, into
 * closures that render a request per query.
 *
 * Placeholders are `{{field}}` (dotted paths such as `{{a.b}}` reach into
 * nested objects) and `{{env.NAME}}` (read through `env` at render time).
 * URL values are percent-encoded, except a placeholder that starts the URL.
 * A body string that is JSON once placeholders are considered is a JSON
 * template: a string that is exactly one placeholder takes the value with its
 * type; JSON bodies get `content-type: application/json` unless one is set.
 *
 * @param template The request, with placeholders.
 * @returns The compiled template.
 * @throws {TypeError} On bad placeholder syntax, a URL that is not http(s), or a bad method.
 *
 * @example Usage
 * ```ts
 * import { compileTemplate } from "./template.ts";
 * import assert from "node:assert/strict";
 * const t = compileTemplate({
 *   url: "https://api.example.com/search?q={{q}}",
 *   headers: { authorization: "Bearer {{env.TOKEN}}" },
 *   body: '{"q":"{{q}}","n":"{{n}}"}',
 * });
 * const req = t.render({ q: "a b", n: 3 }, () => "secret");
 * assert.equal(req.url, "https://api.example.com/search?q=a%20b");
 * assert.equal(req.method, "POST");
 * assert.equal(req.headers.authorization, "Bearer secret");
 * assert.equal(req.body, '{"q":"a b","n":3}');
 * assert.deepEqual(t.fields, ["q", "n"]);
 * assert.equal(t.missingField({ q: "x" }), "n");
 * ```
 */
export function compileTemplate(template: RequestTemplate): CompiledTemplate {
  if (template === null || typeof template !== "object" || typeof template.url !== "string") {
    throw new TypeError(`Cannot use template as a request: "url" must be a string`);
  }
  const { url, method, headers = {}, body } = template;
  if (method !== undefined && (typeof method !== "string" || !/^[A-Za-z]+$/.test(method))) {
    throw new TypeError(`Cannot use method as an HTTP method: current value is '${method}'`);
  }
  if (headers === null || typeof headers !== "object" || Array.isArray(headers)) {
    throw new TypeError(
      `Cannot use headers as an object of strings: current value is '${headers}'`,
    );
  }
  const scope: Scope = { fields: [], envNames: [], getters: new Map() };
  const renderUrl = compileUrl(url, scope);
  const headerList = Object.entries(headers).map(([name, value]): [string, Render] => {
    if (typeof value !== "string") {
      throw new TypeError(`Cannot use header "${name}" as a string: current value is '${value}'`);
    }
    if (name.includes("{{")) {
      throw new TypeError(`Cannot use placeholders in header name "${name}"`);
    }
    return [name, compileText(parseParts(value, `header "${name}"`, scope))];
  });
  const compiledBody = compileBody(body, scope);
  const finalMethod = (method ?? (compiledBody ? "POST" : "GET")).toUpperCase();
  const hasContentType = Object.keys(headers).some((n) => n.toLowerCase() === "content-type");
  const { fields, envNames, getters } = scope;

  return {
    fields,
    envNames,
    render(vars, env = readDenoEnv) {
      const rendered: Record<string, string> = {};
      for (const [name, render] of headerList) rendered[name] = render(vars, env);
      let text: string | undefined;
      if (compiledBody) {
        const [bodyText, json] = compiledBody(vars, env);
        text = bodyText;
        if (json && !hasContentType) rendered["content-type"] = "application/json";
      }
      return { url: renderUrl(vars, env), method: finalMethod, headers: rendered, body: text };
    },
    missingField(vars) {
      for (const [field, get] of getters) if (get(vars) === undefined) return field;
      return undefined;
    },
  };
}
