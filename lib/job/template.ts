/**
 * Request templates: `{{field}}` and `{{env.NAME}}` placeholders in the URL,
 * header values and body, compiled once into closures so that rendering does
 * no parsing and no regular-expression work.
 *
 * Environment values are read through a callback at render time and never
 * kept by the compiled template.
 *
 * Parsing lives in `parse_placeholders.ts`, text rendering in
 * `compile_text.ts`, bodies (text or JSON templates) in `compile_body.ts`.
 *
 * @module
 */
import { compileBody } from "./compile_body.ts";
import { compileText, type EnvReader, type TextRender } from "./compile_text.ts";
import { parsePlaceholders, type PlaceholderScope } from "./parse_placeholders.ts";
import { isRecord } from "../util/is_record.ts";

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
  /** The URL, values percent-encoded. */
  url: string;
  /** The HTTP method, upper case. */
  method: string;
  /** The headers, with `content-type: application/json` added for a JSON body. */
  headers: Record<string, string>;
  /** The body text, or undefined for none. */
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

const readDenoEnv: EnvReader = (name) => Deno.env.get(name);

function compileUrl(url: string, scope: PlaceholderScope): TextRender {
  const parts = parsePlaceholders(url, "url", scope);
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
  if (!isRecord(headers)) {
    throw new TypeError(
      `Cannot use headers as an object of strings: current value is '${headers}'`,
    );
  }
  const scope: PlaceholderScope = { fields: [], envNames: [], getters: new Map() };
  const renderUrl = compileUrl(url, scope);
  const headerList = Object.entries(headers).map(([name, value]): [string, TextRender] => {
    if (typeof value !== "string") {
      throw new TypeError(`Cannot use header "${name}" as a string: current value is '${value}'`);
    }
    if (name.includes("{{")) {
      throw new TypeError(`Cannot use placeholders in header name "${name}"`);
    }
    return [name, compileText(parsePlaceholders(value, `header "${name}"`, scope))];
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
