/**
 * What an answer says a request cost, as `--usage` reads it: per unit, a
 * JSON path of the body (`tokens=$.usage.total_tokens`, SQLite's path
 * syntax, as in `--into`), a header (`tokens=header:X-Tokens-Used`), or a
 * sum of them (`tokens=$.usage.input_tokens+$.usage.output_tokens`); or
 * the library's function of the answer. A unit the answer does not report
 * (no such field, not a number) is left out: its estimate stays spent.
 *
 * @module
 */
import { costValue, unitList } from "../job/item_cost.ts";
import { unitName } from "../rate/rate_spec.ts";
import { type JsonPath, parseJsonPath, readJsonPath } from "../util/json_path.ts";

/** An answer as `--usage` reads it. */
export interface UsageAnswer {
  /** The HTTP status, or undefined for a network failure or timeout. */
  status: number | undefined;
  /** The response headers, when there was a response. */
  headers: Headers | undefined;
  /** The response body, when there was one. */
  body: string | undefined;
}

/** The library's form of `--usage`: what the answer reports, by unit (undefined or a unit left out: not reported). */
export type UsageFunction = (
  answer: UsageAnswer,
) => Readonly<Record<string, number>> | undefined;

/** A compiled `--usage`. */
export interface AnswerUsage {
  /** The units it reads (a function's are known once it is called). */
  readonly units: readonly string[];
  /** The usage `answer` reports, by unit; units it does not report are left out. */
  of(answer: UsageAnswer): Record<string, number>;
}

type Term = { path: JsonPath } | { header: string };

/**
 * Compiles `--usage`, or wraps the library's function so that what it
 * returns is checked the same way.
 *
 * @throws {RangeError} For a spec that does not parse: each part is
 * `unit=$.json.path` or `unit=header:Name`, or a sum of them.
 *
 * @example Usage
 * ```ts
 * import { compileUsage } from "./answer_usage.ts";
 * import assert from "node:assert/strict";
 * const usage = compileUsage("tokens=$.usage.total_tokens,credits=header:X-Credits");
 * const answer = {
 *   status: 200,
 *   headers: new Headers({ "x-credits": "3" }),
 *   body: '{"usage":{"total_tokens":812}}',
 * };
 * assert.deepEqual(usage.of(answer), { tokens: 812, credits: 3 });
 * assert.deepEqual(usage.of({ status: 500, headers: undefined, body: "oops" }), {});
 * ```
 */
export function compileUsage(spec: string | UsageFunction): AnswerUsage {
  if (typeof spec === "function") {
    return {
      units: [],
      of(answer) {
        const usage: Record<string, number> = {};
        for (const [unit, value] of Object.entries(spec(answer) ?? {})) {
          const n = costValue(value);
          if (n !== undefined) usage[unitName(unit, "usage")] = n;
        }
        return usage;
      },
    };
  }
  const units = unitList(spec, "--usage").map(([unit, text]) => [unit, terms(text)] as const);
  const readsBody = units.some(([, ts]) => ts.some((t) => "path" in t));
  return {
    units: units.map(([unit]) => unit),
    of(answer) {
      let body: unknown;
      if (readsBody && answer.body !== undefined) {
        try {
          body = JSON.parse(answer.body);
        } catch {
          body = undefined; // not JSON: nothing reported in it
        }
      }
      const usage: Record<string, number> = {};
      for (const [unit, ts] of units) {
        let sum = 0;
        for (const t of ts) {
          const value = "path" in t
            ? readJsonPath(body, t.path)
            : answer.headers?.get(t.header)?.trim();
          const n = costValue(value);
          if (n === undefined) {
            sum = NaN;
            break;
          }
          sum += n;
        }
        if (!Number.isNaN(sum)) usage[unit] = sum;
      }
      return usage;
    },
  };
}

/** `$.a.b`, `header:Name`, or such terms joined by `+`. */
function terms(text: string): Term[] {
  return text.split(/\s*\+\s*(?=\$|header:)/i).map((term) => {
    const t = term.trim();
    if (/^header:/i.test(t)) {
      const name = t.slice("header:".length).trim();
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw badUsage(text);
      return { header: name.toLowerCase() };
    }
    try {
      return { path: parseJsonPath(t) };
    } catch {
      throw badUsage(text);
    }
  });
}

function badUsage(text: string): RangeError {
  return new RangeError(
    `Cannot parse --usage as a JSON path of the answer ($.usage.total_tokens) or a header ` +
      `(header:X-Tokens-Used), or a sum of them: current value is '${text}'`,
  );
}
