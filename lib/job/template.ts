/**
 * Request templates: `{{field}}` and `{{env.NAME}}` placeholders in the URL,
 * header values and body, compiled once into closures so that rendering does
 * no parsing. What the template alone decides is checked when compiled; per
 * request only what values decide: a URL parse when a value starts the URL or
 * sits in its host, one regular-expression test per header value with a
 * placeholder, one per path segment a value could make `.` or `..`.
 *
 * Environment values are read through a callback at render time and never
 * kept by the compiled template; each rendered request lists the values it
 * holds (`secrets`), for `redactSecrets()`.
 *
 * Parsing lives in `parse_placeholders.ts`, text rendering in
 * `compile_text.ts`, URLs in `compile_url.ts`, headers in
 * `compile_headers.ts`, bodies (text or JSON templates) in `compile_body.ts`.
 *
 * @module
 */
import { compileBody } from "./compile_body.ts";
import { checkHeaderValue, compileHeaders } from "./compile_headers.ts";
import { type EnvReader, percentEncode } from "./compile_text.ts";
import { compileUrl, type SchemeSource } from "./compile_url.ts";
import type { PlaceholderScope } from "./parse_placeholders.ts";
import { isRecord } from "../util/is_record.ts";

/** A form's content type: its body's values are percent-encoded. */
const FORM = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

export type { SchemeSource } from "./compile_url.ts";

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
  /**
   * The environment values (`{{env.NAME}}`) this request holds: never store,
   * print or show the URL, a header or an error about this request without
   * passing it through `redactSecrets(text, secrets)`. Empty when none;
   * absent on requests not made by a template.
   */
  secrets?: readonly string[];
}

/** Options for {@linkcode CompiledTemplate.render}. */
export interface RenderOptions {
  /**
   * Check what data and the environment put in the request: the URL parses,
   * is http(s) and keeps its path (no `.` or `..` segment made by a value);
   * header values hold no CR, LF, NUL or character above U+00FF. `false`
   * suits a dry run that renders masked secrets.
   *
   * @default {true}
   */
  validate?: boolean;
}

/** A template compiled by {@linkcode compileTemplate}. */
export interface CompiledTemplate {
  /**
   * Renders one request; throws a `TypeError` on a missing field or
   * environment variable, and on a request that must not be sent (see
   * {@linkcode RenderOptions.validate}). Messages never hold an environment value.
   */
  render(
    vars: Record<string, unknown>,
    env?: (name: string) => string | undefined,
    options?: RenderOptions,
  ): RenderedRequest;
  /** The first query field referenced by the template that `vars` lacks, or undefined. */
  missingField(vars: Record<string, unknown>): string | undefined;
  /**
   * The first query field referenced by the template whose value is empty:
   * null, or a string of nothing but white space (sent as is, most likely a
   * mistake in the input); undefined when none is.
   */
  emptyField(vars: Record<string, unknown>): string | undefined;
  /** Query fields referenced, as dotted paths, in order of first use. */
  fields: string[];
  /** Names referenced as `{{env.NAME}}`, in order of first use. */
  envNames: string[];
  /** The page placeholders used, `{{page.cursor}}` and `{{page.number}}`, in order of first use. */
  pageNames: ("cursor" | "number")[];
  /**
   * Where each environment variable is used: `url`, `header "NAME"` or `body`,
   * once each, in order (to say `API_TOKEN is not set (used in header "Authorization")`).
   */
  envUses: Map<string, string[]>;
  /**
   * Where the URL's scheme comes from: the template's text (checked to be
   * http(s) when compiled), an environment variable (see `checkScheme`), or a
   * query field (checked per request: a bad one fails that item only).
   */
  schemeFrom: SchemeSource;
  /**
   * Throws a `TypeError` when the environment gives the URL a scheme other
   * than http(s), so a run can stop before sending anything; does nothing
   * when the template or the data decides the scheme.
   */
  checkScheme(env?: (name: string) => string | undefined): void;
}

const readDenoEnv: EnvReader = (name) => Deno.env.get(name);
const NO_SECRETS: readonly string[] = Object.freeze([]);

/**
 * Compiles a request template once, validating its placeholders and URL, into
 * closures that render a request per query.
 *
 * Placeholders are `{{field}}` (dotted paths such as `{{a.b}}` reach into
 * nested objects) and `{{env.NAME}}` (read through `env` at render time).
 * URL values are percent-encoded, except a placeholder that starts the URL;
 * a rendered URL must be http(s) and a value may not make a `.` or `..` path
 * segment. Header names must be HTTP tokens, and values hold no CR, LF or NUL.
 * A body string that is JSON once placeholders are considered is a JSON
 * template: a string that is exactly one placeholder takes the value with its
 * type; JSON bodies get `content-type: application/json` unless one is set.
 *
 * @param template The request, with placeholders.
 * @returns The compiled template.
 * @throws {TypeError} On bad placeholder syntax, a URL that is not http(s), a
 * bad method, or a bad header name or value.
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
 * assert.equal(t.emptyField({ q: " ", n: 1 }), "q");
 * assert.deepEqual(req.secrets, ["secret"]);
 * assert.deepEqual(t.envUses.get("TOKEN"), ['header "authorization"']);
 * assert.throws(() => t.render({ q: "x", n: 1 }, () => "a\nb"), TypeError); // a line break
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
  const envUses = new Map<string, string[]>();
  const pageNames: ("cursor" | "number")[] = [];
  const scope: PlaceholderScope = {
    fields: [],
    envNames: [],
    getters: new Map(),
    envUses,
    pageNames,
  };
  const compiledUrl = compileUrl(url, scope);
  const headerList = compileHeaders(headers, scope);
  const contentType = Object.entries(headers).find(([n]) => n.toLowerCase() === "content-type")
    ?.[1];
  // A form's values are percent-encoded, as a URL's are: `c++`, `a&b=1` and `50%` stay themselves.
  const form = typeof contentType === "string" && FORM.test(contentType);
  const compiledBody = compileBody(body, scope, form ? percentEncode : undefined);
  const finalMethod = (method ?? (compiledBody ? "POST" : "GET")).toUpperCase();
  const hasContentType = Object.keys(headers).some((n) => n.toLowerCase() === "content-type");
  const { fields, envNames, getters } = scope;
  const { check: checkUrl, schemeFrom } = compiledUrl;

  return {
    fields,
    envNames,
    pageNames,
    envUses,
    schemeFrom,
    checkScheme: (env = readDenoEnv) => compiledUrl.checkScheme(env),
    render(vars, env = readDenoEnv, options = {}) {
      const { validate = true } = options;
      // The environment values read, for the request's redacted views.
      let secrets = NO_SECRETS;
      let read = env;
      if (envNames.length > 0) {
        const seen: string[] = [];
        secrets = seen;
        read = (name) => {
          const value = env(name);
          if (value && !seen.includes(value)) seen.push(value);
          return value;
        };
      }
      const renderUrl = validate ? compiledUrl.render : compiledUrl.renderUnchecked;
      const renderedUrl = renderUrl(vars, read);
      if (validate) checkUrl?.(renderedUrl, secrets);
      const rendered: Record<string, string> = {};
      for (const { name, render, templated } of headerList) {
        const value = render(vars, read);
        if (validate && templated) checkHeaderValue(name, value);
        rendered[name] = value;
      }
      let text: string | undefined;
      if (compiledBody) {
        const [bodyText, json] = compiledBody(vars, read);
        text = bodyText;
        if (json && !hasContentType) rendered["content-type"] = "application/json";
      }
      return { url: renderedUrl, method: finalMethod, headers: rendered, body: text, secrets };
    },
    missingField(vars) {
      for (const [field, get] of getters) if (get(vars) === undefined) return field;
      return undefined;
    },
    emptyField(vars) {
      for (const [field, get] of getters) {
        const value = get(vars);
        if (value === null || (typeof value === "string" && value.trim() === "")) return field;
      }
      return undefined;
    },
  };
}
