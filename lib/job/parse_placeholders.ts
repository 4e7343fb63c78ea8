/**
 * Parsing of `{{field}}`, `{{a.b}}` and `{{env.NAME}}` placeholders: a
 * template string becomes literal text and placeholders, each field with a
 * getter built once.
 *
 * @module
 */

/** Reads a query field's value, or undefined when the query lacks it. */
export type FieldGetter = (vars: Record<string, unknown>) => unknown;

/**
 * One placeholder: an environment variable, or a query field with its getter;
 * `{{page.cursor}}` and `{{page.number}}` are fields of the page being sent
 * (`page` says which), read from the variables' {@linkcode PAGE_VARS}.
 * `{{page.cursor?}}` is `optional`: a URL query parameter left out, name and
 * all, while there is no cursor (see `compile_url.ts`).
 */
export type Placeholder =
  | { env: string; field?: undefined; page?: undefined; optional?: undefined }
  | { field: string; get: FieldGetter; page?: "cursor" | "number"; optional?: true };

/** The placeholder of a URL query parameter left out while there is no cursor. */
export const OPTIONAL_CURSOR = "{{page.cursor?}}";

/**
 * Where a page after the first carries its `{{page.cursor}}` and
 * `{{page.number}}` in the variables a template renders; without it, the
 * first page's: cursor null, number 1.
 */
export const PAGE_VARS: unique symbol = Symbol("sluice.page");

/** What {@linkcode PAGE_VARS} holds. */
export interface PageVars {
  /** The page's number, from 1. */
  number: number;
  /** The cursor the previous page's answer gave; null on the first page. */
  cursor: unknown;
}

const PAGE_GETTERS: Record<"cursor" | "number", FieldGetter> = {
  cursor: (vars) => (vars as { [PAGE_VARS]?: PageVars })[PAGE_VARS]?.cursor ?? null,
  number: (vars) => (vars as { [PAGE_VARS]?: PageVars })[PAGE_VARS]?.number ?? 1,
};

/** A piece of a parsed template: literal text or a placeholder. */
export type TemplatePart = string | Placeholder;

/** Every placeholder seen while parsing the strings of one template. */
export interface PlaceholderScope {
  /** Query fields, as dotted paths, in order of first use. */
  fields: string[];
  /** Environment variable names, in order of first use. */
  envNames: string[];
  /** One getter per field, shared by every use of it. */
  getters: Map<string, FieldGetter>;
  /**
   * Where each environment variable is used, when given: the `where` of each
   * string it appears in (`url`, `header "NAME"`, `body`), once each, in order.
   */
  envUses?: Map<string, string[]>;
  /** The page placeholders used (`cursor`, `number`), in order of first use, when given. */
  pageNames?: ("cursor" | "number")[];
}

const INNER = /^(?:env\.([A-Za-z_][A-Za-z0-9_]*)|([^\s.{}]+(?:\.[^\s.{}]+)*))$/;
const PAGE = /^page\.(cursor|number)$/;

function makeGetter(path: string): FieldGetter {
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

/**
 * Splits `source` into literal text and placeholders, recording each
 * placeholder in `scope`.
 *
 * @param source The template string.
 * @param where What the string is, for error messages (`url`, `body`, `header "x"`).
 * @param scope Collects the fields and environment names used.
 * @returns The parts, in order; empty text is left out.
 * @throws {TypeError} On an unclosed `{{` or a placeholder that is not a field or `env.NAME`.
 *
 * @example Usage
 * ```ts
 * import { parsePlaceholders } from "./parse_placeholders.ts";
 * import assert from "node:assert/strict";
 * const scope = { fields: [], envNames: [], getters: new Map() };
 * const parts = parsePlaceholders("/users/{{user.id}}?k={{env.KEY}}", "url", scope);
 * assert.equal(parts.length, 4);
 * assert.deepEqual(scope.fields, ["user.id"]);
 * assert.deepEqual(scope.envNames, ["KEY"]);
 * assert.equal(scope.getters.get("user.id")?.({ user: { id: 7 } }), 7);
 * ```
 */
export function parsePlaceholders(
  source: string,
  where: string,
  scope: PlaceholderScope,
): TemplatePart[] {
  const parts: TemplatePart[] = [];
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
    const optional = field === "page.cursor?";
    if (optional && where !== "url") {
      throw new TypeError(
        `Cannot use ${OPTIONAL_CURSOR} in ${where}: it stands only for a URL query parameter's ` +
          `value (?after=${OPTIONAL_CURSOR}); here {{page.cursor}} is null on a query's first page`,
      );
    }
    const page = optional
      ? "cursor"
      : PAGE.exec(field ?? "")?.[1] as "cursor" | "number" | undefined;
    if (page !== undefined) {
      if (scope.pageNames && !scope.pageNames.includes(page)) scope.pageNames.push(page);
      const placeholder = { field: field!, get: PAGE_GETTERS[page], page };
      parts.push(optional ? { ...placeholder, optional } : placeholder);
    } else if (field === undefined) {
      if (!scope.envNames.includes(env!)) scope.envNames.push(env!);
      const uses = scope.envUses?.get(env!) ?? [];
      if (!uses.includes(where)) uses.push(where);
      scope.envUses?.set(env!, uses);
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
