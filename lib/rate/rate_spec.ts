/**
 * The `--rate` mini-language: `50/s`, `3000/min`, `20/s,1000/min,50000/day`,
 * `none`, `auto`; and windows of other units than requests, named before the
 * limit: `500/min,tokens=90000/min,tokens=2000000/day`.
 *
 * @module
 */

/** At most `limit` requests (or units) in any `periodMs`. */
export interface RateWindow {
  /** Requests (or units) allowed in one window. */
  limit: number;
  /** The window's length. */
  periodMs: number;
}

/**
 * What the user asked for: the requests' pacing, and the windows of other
 * units by unit name (`units`, each list shortest period first), absent
 * when none is named.
 */
export type RateSpec =
  | { kind: "windows"; windows: RateWindow[]; units?: Readonly<Record<string, RateWindow[]>> }
  | { kind: "none"; units?: Readonly<Record<string, RateWindow[]>> }
  | { kind: "auto"; units?: Readonly<Record<string, RateWindow[]>> };

/** The unit every request costs one of, and that `--rate 50/s` counts. */
export const REQUESTS = "requests";

const PERIODS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
};

const UNIT = /^[a-z][a-z0-9_-]*$/;

/**
 * Reads a unit's name as `--rate`, `--cost` and `--usage` take it (lower
 * case; `request` is `requests`), or throws a RangeError naming `what`.
 *
 * @example Usage
 * ```ts
 * import { unitName } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unitName(" Tokens ", "--cost"), "tokens");
 * assert.throws(() => unitName("9x", "--cost"), RangeError);
 * ```
 */
export function unitName(text: string, what: string): string {
  const name = text.trim().toLowerCase();
  if (!UNIT.test(name)) {
    throw new RangeError(
      `Cannot parse ${what}'s unit as a name (letters, digits, - and _): current value is '${text}'`,
    );
  }
  return name === "request" ? REQUESTS : name;
}

/**
 * Parses a rate. A number without a unit is per second. Windows are returned
 * shortest period first. A part `unit=limit/period` is a window of that unit
 * (`tokens=90000/min`); a rate naming only such units leaves requests
 * unpaced (`none`).
 *
 * @throws {RangeError} If any part cannot be parsed or is not positive.
 *
 * @example Usage
 * ```ts
 * import { parseRate } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseRate("1000/min,20/s"), {
 *   kind: "windows",
 *   windows: [{ limit: 20, periodMs: 1000 }, { limit: 1000, periodMs: 60_000 }],
 * });
 * assert.deepEqual(parseRate("none"), { kind: "none" });
 * assert.deepEqual(parseRate("500/min,tokens=90000/min"), {
 *   kind: "windows",
 *   windows: [{ limit: 500, periodMs: 60_000 }],
 *   units: { tokens: [{ limit: 90_000, periodMs: 60_000 }] },
 * });
 * ```
 */
export function parseRate(text: string | number): RateSpec {
  const raw = String(text).trim();
  const windows: RateWindow[] = [];
  const units: Record<string, RateWindow[]> = {};
  let kind: "windows" | "none" | "auto" | undefined;
  for (const part of raw.split(",")) {
    const eq = part.indexOf("=");
    const unit = eq < 0 ? REQUESTS : unitOf(part.slice(0, eq), text);
    const value = part.slice(eq + 1).trim();
    if (unit === REQUESTS && (value === "none" || value === "unlimited" || value === "auto")) {
      if (kind !== undefined) throw badRate(text);
      kind = value === "auto" ? "auto" : "none";
      continue;
    }
    const window = parseWindow(value, text);
    if (unit === REQUESTS) {
      if (kind !== undefined && kind !== "windows") throw badRate(text);
      kind = "windows";
      windows.push(window);
    } else {
      (units[unit] ??= []).push(window);
    }
  }
  const byPeriod = (a: RateWindow, b: RateWindow) => a.periodMs - b.periodMs;
  for (const list of Object.values(units)) list.sort(byPeriod);
  const named = Object.keys(units).length > 0 ? { units } : {};
  if (kind === "windows") return { kind, windows: windows.sort(byPeriod), ...named };
  return { kind: kind ?? "none", ...named };
}

function unitOf(
  text: string,
  whole: string | number,
  bad: (text: string | number) => RangeError = badRate,
): string {
  try {
    return unitName(text, "rate");
  } catch {
    throw bad(whole);
  }
}

function parseWindow(part: string, text: string | number): RateWindow {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*(?:\/\s*([0-9]*\.?[0-9]*)\s*([a-z]+))?\s*$/i.exec(part);
  const limit = Number(match?.[1]);
  const unit = PERIODS[(match?.[3] ?? "s").toLowerCase()];
  const multiple = match?.[2] ? Number(match[2]) : 1;
  if (!match || !unit || !(limit > 0) || !Number.isFinite(limit) || !(multiple > 0)) {
    throw badRate(text);
  }
  return { limit, periodMs: unit * multiple };
}

function badRate(text: string | number): RangeError {
  return new RangeError(
    `Cannot parse rate as a number per period (like 50/s, 3000/min, tokens=90000/min, none or auto): current value is '${text}'`,
  );
}

const PERIOD_NAMES: Record<number, string> = {
  1000: "s",
  60_000: "min",
  3_600_000: "h",
  86_400_000: "day",
};

/** One window as `--rate` takes it: `20/s`, `90000/min`, `600/6000ms`. */
function windowText(w: RateWindow): string {
  return `${w.limit}/${PERIOD_NAMES[w.periodMs] ?? `${w.periodMs}ms`}`;
}

/**
 * Formats a rate as `--rate` takes it (parsing the text gives the rate back).
 *
 * @example Usage
 * ```ts
 * import { formatRate, parseRate } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatRate(parseRate("tokens=2000000/day,20/s,tokens=90000/min")),
 *   "20/s,tokens=90000/min,tokens=2000000/day");
 * assert.equal(formatRate(parseRate("auto,tokens=1000/s")), "auto,tokens=1000/s");
 * ```
 */
export function formatRate(spec: RateSpec): string {
  const requests = spec.kind === "windows" ? spec.windows.map(windowText) : [];
  const units = Object.entries(spec.units ?? {}).flatMap(([unit, windows]) =>
    windows.map((w) => `${unit}=${windowText(w)}`)
  );
  if (spec.kind !== "windows" && (spec.kind === "auto" || units.length === 0)) {
    requests.push(spec.kind);
  }
  return [...requests, ...units].join(",");
}

/**
 * What `--burst` takes: a number of requests (`5`), and per unit
 * (`5,tokens=4000`); a unit not named gets a burst of 1.
 */
export type BurstSpec = number | Readonly<Record<string, number>>;

/**
 * Parses a burst: `5`, `5,tokens=4000` or `tokens=4000`. A number alone
 * stays a number (requests).
 *
 * @throws {RangeError} For a part that is not `n` or `unit=n` with `n` at
 * least 1 (requests: an integer).
 *
 * @example Usage
 * ```ts
 * import { burstOf, parseBurst } from "./rate_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseBurst("5"), 5);
 * const burst = parseBurst("5,tokens=4000");
 * assert.deepEqual(burst, { requests: 5, tokens: 4000 });
 * assert.equal(burstOf(burst, "tokens"), 4000);
 * assert.equal(burstOf(3, "tokens"), 1);
 * ```
 */
export function parseBurst(text: string | number, name = "burst"): BurstSpec {
  const bursts: Record<string, number> = {};
  const parts = String(text).split(",");
  const bad = () =>
    new RangeError(
      `Cannot parse ${name} as an integer of at least 1 (or per unit: 5,tokens=4000): current value is '${text}'`,
    );
  for (const part of parts) {
    const eq = part.indexOf("=");
    const unit = eq < 0 ? REQUESTS : unitOf(part.slice(0, eq), text, bad);
    const value = part.slice(eq + 1).trim();
    const n = value === "" ? NaN : Number(value);
    if (!(n >= 1) || !Number.isFinite(n) || (unit === REQUESTS && !Number.isInteger(n))) {
      throw bad();
    }
    if (Object.hasOwn(bursts, unit)) throw bad();
    bursts[unit] = n;
  }
  return parts.length === 1 && bursts[REQUESTS] !== undefined ? bursts[REQUESTS] : bursts;
}

/** A burst as `--burst` takes it. */
export function formatBurst(burst: BurstSpec): string | number {
  if (typeof burst === "number") return burst;
  const parts = Object.entries(burst).map(([unit, n]) =>
    unit === REQUESTS ? `${n}` : `${unit}=${n}`
  );
  return parts.join(",");
}

/** The burst of `unit` in `burst` (1 when not named). */
export function burstOf(burst: BurstSpec | undefined, unit: string): number {
  if (typeof burst === "number") return unit === REQUESTS ? burst : 1;
  return burst?.[unit] ?? 1;
}
