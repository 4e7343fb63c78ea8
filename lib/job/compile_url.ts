/**
 * URL templates: values percent-encoded (a leading base URL inserted as is),
 * checked once at compile time where the template alone decides, and per
 * request where data or the environment does: only `http:` and `https:` URLs
 * that parse are ever sent, and a value cannot make a `.` or `..` path
 * segment (which URL parsing would resolve, climbing out of the path).
 *
 * @module
 */
import {
  compileText,
  type EnvReader,
  joinPieces,
  percentEncode,
  type TextRender,
} from "./compile_text.ts";
import {
  parsePlaceholders,
  type PlaceholderScope,
  type TemplatePart,
} from "./parse_placeholders.ts";
import { redactSecrets } from "./redact_secrets.ts";

/** Where a URL's scheme comes from: the template's text, an environment variable, or a query field. */
export type SchemeSource = "template" | "env" | "data";

/** A URL template compiled by {@linkcode compileUrl}. */
export interface CompiledUrl {
  /** Renders the URL; throws a `TypeError` for a value that makes a `.` or `..` path segment. */
  render: TextRender;
  /** Renders the URL without that check (a dry run with masked values). */
  renderUnchecked: TextRender;
  /**
   * Throws a `TypeError` when a rendered URL does not parse or is not http(s),
   * its text shown with `secrets` redacted; undefined when the template alone
   * makes every rendered URL valid.
   */
  check: ((url: string, secrets: readonly string[]) => void) | undefined;
  /** Where the scheme comes from. */
  schemeFrom: SchemeSource;
  /**
   * Throws a `TypeError` when the environment gives the URL a scheme other
   * than http(s) (or none); does nothing when the template or data decides.
   */
  checkScheme(env: EnvReader): void;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** A `.` or `..` segment, spelled as URL parsing recognises it. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
/** Path delimiters (a backslash is a slash in http(s) URLs), and the ends of the path. */
const DELIMITER = /[/\\?#]/;

const isHttp = (protocol: string) => protocol === "http:" || protocol === "https:";

function checkRendered(url: string, secrets: readonly string[]): void {
  const parsed = URL.parse(url);
  if (parsed === null) {
    const shown = redactSecrets(url, secrets);
    throw new TypeError(`Cannot parse the rendered url as a URL: current value is '${shown}'`);
  }
  if (!isHttp(parsed.protocol)) {
    throw new TypeError(
      `Cannot send to a ${parsed.protocol} URL: only http: and https: URLs are sent`,
    );
  }
}

/**
 * Pieces of a URL from the start of its path (a delimiter or a segment):
 * values encoded, and each path segment that values could make `.` or `..`
 * (its literal text is dots only) checked as it renders.
 */
function pathPieces(parts: TemplatePart[], guard: boolean): (string | TextRender)[] {
  const pieces: (string | TextRender)[] = [];
  let inPath = true;
  let segment: TemplatePart[] = [];
  // A query with a parameter left out while there is no cursor renders as a whole.
  const optionalAfter = parts.findLastIndex((p) => typeof p !== "string" && p.optional);
  const flush = () => {
    const literal = segment.filter((p) => typeof p === "string").join("");
    if (segment.every((p) => typeof p === "string")) pieces.push(literal);
    else if (!guard || !/^(?:\.|%2e)*$/i.test(literal)) {
      pieces.push(compileText(segment, percentEncode));
    } else pieces.push(guardSegment(compileText(segment, percentEncode)));
    segment = [];
  };
  for (const [i, part] of parts.entries()) {
    if (typeof part !== "string") {
      if (inPath) segment.push(part);
      else pieces.push(compileText([part], percentEncode));
      continue;
    }
    let rest = part;
    for (let at = rest.search(DELIMITER); inPath && at >= 0; at = rest.search(DELIMITER)) {
      segment.push(rest.slice(0, at));
      flush();
      if (rest[at] === "?" && optionalAfter > i) {
        pieces.push(optionalQuery([rest.slice(at + 1), ...parts.slice(i + 1)]));
        return pieces.filter((p) => p !== "");
      }
      pieces.push(rest[at]!);
      inPath = rest[at] === "/" || rest[at] === "\\";
      rest = rest.slice(at + 1);
    }
    if (inPath) segment.push(rest);
    else pieces.push(rest);
  }
  if (inPath) flush();
  return pieces.filter((p) => p !== "");
}

/**
 * A URL's query (what follows its `?`) holding `name={{page.cursor?}}`: that
 * parameter is left out, name, `=` and its `&`, while the cursor is empty (a
 * query's first page), and the `?` with it when nothing is left; the other
 * parameters render as in any URL.
 */
function optionalQuery(parts: TemplatePart[]): TextRender {
  const params: TemplatePart[][] = [[]];
  let fragment: TemplatePart[] | undefined;
  for (const part of parts) {
    if (fragment !== undefined || typeof part !== "string") {
      (fragment ?? params.at(-1)!).push(part);
      continue;
    }
    const hash = part.indexOf("#");
    (hash < 0 ? part : part.slice(0, hash)).split("&").forEach((text, i) => {
      if (i > 0) params.push([]);
      if (text !== "") params.at(-1)!.push(text);
    });
    if (hash >= 0) fragment = [part.slice(hash)];
  }
  const renders = params.map(paramRender);
  const tail = compileText(fragment ?? [], percentEncode);
  return (vars, env) => {
    const kept: string[] = [];
    for (const render of renders) {
      const text = render(vars, env);
      if (text !== undefined) kept.push(text);
    }
    return (kept.length > 0 ? `?${kept.join("&")}` : "") + tail(vars, env);
  };
}

/** One query parameter; undefined for `name={{page.cursor?}}` while the cursor is empty. */
function paramRender(
  param: TemplatePart[],
): (vars: Record<string, unknown>, env: EnvReader) => string | undefined {
  const [name, value] = param;
  if (
    param.length !== 2 || typeof name !== "string" || !/^[^=]+=$/.test(name) ||
    typeof value === "string" || !value?.optional
  ) return compileText(param, percentEncode);
  const { field, get, page } = value;
  const cursor = compileText([{ field, get, page }], percentEncode);
  return (vars, env) => {
    const text = cursor(vars, env);
    return text === "" ? undefined : name + text;
  };
}

/** Checks that a rendered path segment is not `.` or `..` (URL parsing would resolve it). */
function guardSegment(render: TextRender): TextRender {
  return (vars, env) => {
    const text = render(vars, env);
    if (DOT_SEGMENT.test(text)) {
      throw new TypeError(
        `Cannot use '${text}' as a URL path segment: it would climb out of the template's path`,
      );
    }
    return text;
  };
}

/** Pieces of a URL with a value in its authority: the path starts at the next delimiter. */
function authorityPieces(parts: TemplatePart[], guard: boolean): (string | TextRender)[] {
  const at = parts.findIndex((p) => typeof p === "string" && DELIMITER.test(p));
  if (at < 0) return [compileText(parts, percentEncode)];
  const text = parts[at] as string;
  const cut = text.search(DELIMITER);
  const authority = [...parts.slice(0, at), text.slice(0, cut)].filter((p) => p !== "");
  return [
    compileText(authority, percentEncode),
    ...pathPieces([text.slice(cut), ...parts.slice(at + 1)], guard),
  ];
}

/**
 * Compiles a URL template. A URL that is one placeholder is inserted as is;
 * a leading placeholder is a base URL (`{{env.API_BASE}}/v1`) inserted as is;
 * every other value is percent-encoded, and may not make a `.` or `..` path
 * segment. A query parameter whose whole value is `{{page.cursor?}}` is left
 * out, name and all, while there is no cursor (a query's first page).
 *
 * @param url The URL template.
 * @param scope Collects the fields and environment names used.
 * @returns The compiled URL.
 * @throws {TypeError} On bad placeholder syntax, or text that makes the URL
 * something other than an http(s) URL.
 *
 * @example Usage
 * ```ts
 * import { compileUrl } from "./compile_url.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const noEnv = () => undefined;
 * const url = compileUrl("https://api.test/files/{{p}}?q={{q}}", scope);
 * assert.equal(url.render({ p: "a b", q: ".." }, noEnv), "https://api.test/files/a%20b?q=..");
 * assert.throws(() => url.render({ p: "..", q: "x" }, noEnv), TypeError);
 * assert.equal(url.schemeFrom, "template");
 * assert.equal(url.check, undefined); // every rendered URL parses: nothing to check per request
 * ```
 *
 * @example A parameter left out on a query's first page
 * ```ts
 * import { compileUrl } from "./compile_url.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const url = compileUrl("https://api.test/charges?after={{page.cursor?}}&limit=10", scope);
 * assert.equal(url.render({}, () => undefined), "https://api.test/charges?limit=10");
 * ```
 */
export function compileUrl(url: string, scope: PlaceholderScope): CompiledUrl {
  const parts = parsePlaceholders(url, "url", scope);
  const first = parts[0];
  if (first !== undefined && typeof first !== "string") {
    const schemeFrom = first.field === undefined ? "env" : "data";
    const base = compileText([first]);
    const checkScheme = (env: EnvReader) => {
      if (first.field !== undefined) return;
      const scheme = SCHEME.exec(base({}, env))?.[1]?.toLowerCase();
      if (scheme === "http" || scheme === "https") return;
      throw new TypeError(
        `Cannot use environment variable "${first.env}" to start url: ` +
          (scheme === undefined ? "it has no scheme" : `its scheme is ${scheme}:`) +
          `, and only http: and https: URLs are sent`,
      );
    };
    const checked = { check: checkRendered, schemeFrom, checkScheme } as const;
    if (parts.length === 1) return { ...checked, render: base, renderUnchecked: base };
    // A base URL such as {{env.API_BASE}}: the template's own text must fit after one.
    const sample = "https://sample.invalid" +
      parts.slice(1).map((p) => typeof p === "string" ? p : "sample").join("");
    if (!URL.canParse(sample)) {
      throw new TypeError(`Cannot parse url as a URL: current value is '${url}'`);
    }
    const build = (guard: boolean): TextRender => {
      const rest = joinPieces(pathPieces(parts.slice(1), guard));
      return (vars, env) => base(vars, env) + rest(vars, env);
    };
    return { ...checked, render: build(true), renderUnchecked: build(false) };
  }
  const head = first ?? "";
  const sample = parts.map((p) => typeof p === "string" ? p : "sample").join("");
  const scheme = SCHEME.exec(head)?.[0];
  if (scheme === undefined || !URL.canParse(sample) || !isHttp(new URL(sample).protocol)) {
    throw new TypeError(`Cannot parse url as a URL: current value is '${url}'`);
  }
  const fixed = { schemeFrom: "template", checkScheme: () => {} } as const;
  if (parts.length === 1) {
    return { ...fixed, render: () => head, renderUnchecked: () => head, check: undefined };
  }
  // The authority runs from after the scheme and its slashes to the first delimiter.
  const authority = scheme.length + /^[/\\]*/.exec(head.slice(scheme.length))![0].length;
  const end = head.slice(authority).search(DELIMITER);
  if (end < 0) {
    // A value in the authority (a host from data) can make a URL that does not parse.
    const rest = [head.slice(authority), ...parts.slice(1)].filter((p) => p !== "");
    const build = (guard: boolean) =>
      joinPieces([head.slice(0, authority), ...authorityPieces(rest, guard)]);
    return { ...fixed, render: build(true), renderUnchecked: build(false), check: checkRendered };
  }
  const path = [head.slice(authority + end), ...parts.slice(1)];
  const build = (guard: boolean) =>
    joinPieces([head.slice(0, authority + end), ...pathPieces(path, guard)]);
  return { ...fixed, render: build(true), renderUnchecked: build(false), check: undefined };
}
