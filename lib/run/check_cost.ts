/**
 * The checks `--cost` and `--usage` get before anything is sent: each unit
 * they name is paced (a window in `--rate`, or a unit the servers' header
 * families advertise), and each query's cost renders a number that fits
 * every window of its unit.
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { compileCost, type CostFunction, unitList } from "../job/item_cost.ts";
import type { QueryProblem } from "../job/prepare_job.ts";
import { formatRate, type RateSpec } from "../rate/rate_spec.ts";
import { compileUsage, type UsageFunction } from "./answer_usage.ts";

/**
 * Units a server's headers advertise (OpenAI's and Anthropic's families):
 * named in `--cost` or `--usage` without a window, they are paced by the
 * server's quotas alone.
 */
export const ADVERTISED_UNITS: readonly string[] = ["tokens", "input-tokens", "output-tokens"];

/**
 * Checks that every unit `--cost` and `--usage` name has a window in
 * `--rate` or is one servers advertise.
 *
 * @throws {InputError} Naming the unit and the flag.
 *
 * @example Usage
 * ```ts
 * import { checkCostUnits } from "./check_cost.ts";
 * import { parseRate } from "../rate/rate_spec.ts";
 * import assert from "node:assert/strict";
 * checkCostUnits(parseRate("10/s,points=100/min"), "points={{p}}", "points=$.cost");
 * checkCostUnits(parseRate("10/s"), "tokens={{n}}", undefined); // the server advertises tokens
 * assert.throws(() => checkCostUnits(parseRate("10/s"), "token={{n}}", undefined), {
 *   name: "InputError",
 *   message: /--cost names unit "token", which has no window in --rate/,
 * });
 * ```
 */
export function checkCostUnits(
  rate: RateSpec,
  cost: string | CostFunction | undefined,
  usage: string | UsageFunction | undefined,
): void {
  const named: [string, string][] = [
    ...(cost === undefined
      ? []
      : compileCost(cost).units.map((u) => [u, "--cost"] as [string, string])),
    ...(usage === undefined
      ? []
      : compileUsage(usage).units.map((u) => [u, "--usage"] as [string, string])),
  ];
  for (const [unit, flag] of named) {
    if (rate.units?.[unit] !== undefined || ADVERTISED_UNITS.includes(unit)) continue;
    const windows = Object.keys(rate.units ?? {});
    throw new InputError(
      `${flag} names unit "${unit}", which has no window in --rate ` +
        `(${windows.length > 0 ? `it has ${windows.join(", ")}` : "it names no unit"}) ` +
        `and is not one servers advertise (${ADVERTISED_UNITS.join(", ")}): ` +
        `add one, e.g. --rate '...,${unit}=1000/min'`,
    );
  }
}

/**
 * The import's check of each query's cost: it renders a number, and fits
 * the whole of every window of its unit (a query costing more could never
 * be sent).
 *
 * @returns A check that says what is wrong with a query (and its field),
 * or undefined; undefined without `cost`.
 *
 * @example Usage
 * ```ts
 * import { costCheck } from "./check_cost.ts";
 * import { parseRate } from "../rate/rate_spec.ts";
 * import assert from "node:assert/strict";
 * const check = costCheck(parseRate("tokens=1000/min"), "tokens={{n}}")!;
 * assert.equal(check({ n: 900 }), undefined);
 * assert.deepEqual(check({ n: "lots" }), {
 *   reason: "Cannot use --cost tokens as a number: it rendered 'lots'",
 *   field: "n",
 * });
 * assert.match(check({ n: 5000 })!.reason, /more than the whole window tokens=1000\/min/);
 * ```
 */
export function costCheck(
  rate: RateSpec,
  cost: string | CostFunction | undefined,
): ((vars: Record<string, unknown>) => QueryProblem | undefined) | undefined {
  if (cost === undefined) return undefined;
  const compiled = compileCost(cost);
  // A unit whose template is one placeholder: a problem names that field.
  const sole = new Map(
    typeof cost === "string"
      ? unitList(cost, "--cost").map((
        [unit, text],
      ) => [unit, /^\{\{\s*([^}\s]+)\s*\}\}$/.exec(text)?.[1]])
      : [],
  );
  return (vars) => {
    const missing = compiled.missingField(vars);
    if (missing !== undefined) {
      return { reason: `query has no field "${missing}" used by --cost`, field: missing };
    }
    let costs: Record<string, number>;
    try {
      costs = compiled.of(vars);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const field = sole.get(/--cost (\S+) as/.exec(error.message)?.[1] ?? "");
      return { reason: error.message, ...(field !== undefined ? { field } : {}) };
    }
    for (const [unit, n] of Object.entries(costs)) {
      for (const w of rate.units?.[unit] ?? []) {
        if (n <= w.limit) continue;
        return {
          reason: `--cost ${unit} is ${n}, more than the whole window ` +
            `${formatRate({ kind: "none", units: { [unit]: [w] } })} in --rate: ` +
            `this query could never be sent`,
        };
      }
    }
    return undefined;
  };
}
