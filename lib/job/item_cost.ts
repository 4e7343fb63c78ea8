/**
 * What one query costs besides a request, as `--cost` says: a template per
 * unit rendering a number from the query's fields (`tokens={{max_tokens}}`,
 * `tokens={{prompt_tokens}}+{{max_tokens}}`), or the library's function of
 * the query. The cost is an estimate reserved before the request is sent;
 * the usage its answer reports settles it.
 *
 * @module
 */
import { compileText, type TextRender } from "./compile_text.ts";
import { parsePlaceholders, type PlaceholderScope } from "./parse_placeholders.ts";
import { REQUESTS, unitName } from "../rate/rate_spec.ts";

/** The library's form of `--cost`: the cost of one query, by unit. */
export type CostFunction = (query: Record<string, unknown>) => Readonly<Record<string, number>>;

/** A compiled `--cost`. */
export interface ItemCost {
  /** The units a template names (a function's are known once it is called). */
  readonly units: readonly string[];
  /** The first field the templates use that `vars` lacks, if any. */
  missingField(vars: Record<string, unknown>): string | undefined;
  /**
   * The cost of the query with fields `vars`, by unit.
   *
   * @throws {TypeError} For a missing field, or a cost that is not a number
   * of at least 0 (naming the unit and what it rendered).
   */
  of(vars: Record<string, unknown>): Record<string, number>;
}

/**
 * Splits a list of `unit=value` parts as `--cost` and `--usage` take them:
 * a comma starts a new part only before another `unit=`.
 *
 * @throws {RangeError} For a part without `unit=`, a bad unit name, a unit
 * named twice or `requests` (each request is one).
 *
 * @example Usage
 * ```ts
 * import { unitList } from "./item_cost.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(unitList("tokens={{n}}, points=2", "--cost"), [["tokens", "{{n}}"], ["points", "2"]]);
 * assert.throws(() => unitList("{{n}}", "--cost"), RangeError);
 * ```
 */
export function unitList(text: string, flag: string): [unit: string, value: string][] {
  const parts: [string, string][] = [];
  for (const part of text.split(/,(?=\s*[A-Za-z][A-Za-z0-9_-]*\s*=)/)) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(eq + 1).trim() === "") {
      throw new RangeError(
        `Cannot parse ${flag} as unit=value parts (like tokens=...): current value is '${text}'`,
      );
    }
    const unit = unitName(part.slice(0, eq), flag);
    if (unit === REQUESTS) {
      throw new RangeError(`Cannot use ${flag} for requests: each request costs one of them`);
    }
    if (parts.some(([u]) => u === unit)) {
      throw new RangeError(`Cannot use ${flag}: unit "${unit}" is named twice in '${text}'`);
    }
    parts.push([unit, part.slice(eq + 1).trim()]);
  }
  return parts;
}

/**
 * A cost's value: a number of at least 0, or (as text) such numbers joined
 * by `+`; undefined for anything else.
 *
 * @example Usage
 * ```ts
 * import { costValue } from "./item_cost.ts";
 * import assert from "node:assert/strict";
 * assert.equal(costValue("120 + 512"), 632);
 * assert.equal(costValue(7.5), 7.5);
 * assert.equal(costValue("many"), undefined);
 * assert.equal(costValue(-1), undefined);
 * ```
 */
export function costValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  let sum = 0;
  for (const term of value.split("+")) {
    if (!/^\s*\d+(\.\d+)?\s*$/.test(term)) return undefined;
    sum += Number(term);
  }
  return Number.isFinite(sum) ? sum : undefined;
}

/**
 * Compiles `--cost` (`tokens={{max_tokens}},points=2`), or wraps the
 * library's function so that what it returns is checked the same way.
 *
 * @throws {RangeError} For a spec that does not parse; {TypeError} for a
 * template that does not compile (or uses `{{env.NAME}}`).
 *
 * @example Usage
 * ```ts
 * import { compileCost } from "./item_cost.ts";
 * import assert from "node:assert/strict";
 * const cost = compileCost("tokens={{prompt_tokens}}+{{max_tokens}}");
 * assert.deepEqual(cost.units, ["tokens"]);
 * assert.deepEqual(cost.of({ prompt_tokens: 40, max_tokens: 200 }), { tokens: 240 });
 * assert.throws(() => cost.of({ prompt_tokens: "a lot", max_tokens: 1 }), {
 *   message: "Cannot use --cost tokens as a number: it rendered 'a lot+1'",
 * });
 * ```
 */
export function compileCost(spec: string | CostFunction): ItemCost {
  if (typeof spec === "function") {
    return {
      units: [],
      missingField: () => undefined,
      of(vars) {
        const cost: Record<string, number> = {};
        for (const [unit, value] of Object.entries(spec(vars) ?? {})) {
          const n = costValue(value);
          if (n === undefined) throw notANumber(unit, String(value));
          cost[unitName(unit, "cost")] = n;
        }
        return cost;
      },
    };
  }
  const scope: PlaceholderScope = { fields: [], envNames: [], getters: new Map() };
  const renders: [string, TextRender][] = unitList(spec, "--cost").map(([unit, text]) => {
    const render = compileText(parsePlaceholders(text, `--cost ${unit}`, scope));
    if (scope.envNames.length > 0) {
      throw new TypeError(
        `Cannot use {{env.${scope.envNames[0]}}} in --cost: a cost comes from the query`,
      );
    }
    return [unit, render];
  });
  const noEnv = () => undefined;
  return {
    units: renders.map(([unit]) => unit),
    missingField(vars) {
      for (const [field, get] of scope.getters) if (get(vars) === undefined) return field;
      return undefined;
    },
    of(vars) {
      const cost: Record<string, number> = {};
      for (const [unit, render] of renders) {
        const text = render(vars, noEnv);
        const n = costValue(text);
        if (n === undefined) throw notANumber(unit, text);
        cost[unit] = n;
      }
      return cost;
    },
  };
}

function notANumber(unit: string, rendered: string): TypeError {
  return new TypeError(`Cannot use --cost ${unit} as a number: it rendered '${rendered}'`);
}
