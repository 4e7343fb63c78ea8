/**
 * A circuit breaker for a whole job: after N consecutive failed answers (5xx,
 * network error or timeout; 429s and 503s cool the job down instead, see
 * job_cooldown.ts) it stops all sending for a cooldown, then lets exactly one
 * probe request through, and resumes only if that probe succeeds.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";

/** Options for {@linkcode CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 10 */
  threshold?: number;
  /** First pause once open; doubled after each failed probe. @default 10_000 */
  cooldownMs?: number;
  /**
   * Longest pause: each failed probe doubles the pause up to it.
   * @default the larger of `cooldownMs` and 30_000, at most 300_000
   */
  maxCooldownMs?: number;
  /** A probe neither answered nor forgotten after this lets another probe go. @default 60_000 */
  probeTimeoutMs?: number;
}

/** The longest first pause taken when no `maxCooldownMs` is given: more is a typo more likely than a wish. */
const MAX_FIRST_COOLDOWN_MS = 300_000;

/** The breaker's state: `closed` sends freely, `open` sends nothing, `half-open` sends one probe. */
export type CircuitState = "closed" | "open" | "half-open";

/**
 * The breaker. Feed it every grant and every answer; ask it when the next
 * grant may happen.
 *
 * @example Usage
 * ```ts
 * import { CircuitBreaker } from "./circuit_breaker.ts";
 * import assert from "node:assert/strict";
 * const breaker = new CircuitBreaker({ threshold: 2, cooldownMs: 1000 });
 * breaker.onGrant(1, 0);
 * breaker.onGrant(2, 0);
 * breaker.onAnswer(1, false, 10);
 * breaker.onAnswer(2, false, 20);
 * assert.equal(breaker.state, "open");
 * assert.equal(breaker.allowedAt(30), 1020);
 * breaker.onGrant(3, 1020); // the probe
 * assert.equal(breaker.allowedAt(1021), Infinity);
 * breaker.onAnswer(3, true, 1030);
 * assert.equal(breaker.state, "closed");
 * ```
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #probeTimeoutMs: number;
  #state: CircuitState = "closed";
  #failures = 0;
  #cooldownMs: number;
  #openUntil = 0;
  #probe: { grant: number; at: number } | undefined;
  #opened = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    const {
      threshold = DEFAULTS.breakerThreshold,
      cooldownMs = DEFAULTS.breakerCooldownMs,
      maxCooldownMs = Math.min(
        Math.max(cooldownMs, DEFAULTS.breakerMaxCooldownMs),
        MAX_FIRST_COOLDOWN_MS,
      ),
      probeTimeoutMs = 60_000,
    } = options;
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new RangeError(
        `Cannot use breaker threshold as a positive integer: current value is '${threshold}'`,
      );
    }
    if (!(cooldownMs >= 0) || !(maxCooldownMs >= cooldownMs)) {
      throw new RangeError(
        `Cannot use breaker cooldown as a duration up to ${maxCooldownMs} ms: current value is '${cooldownMs}'`,
      );
    }
    this.#threshold = threshold;
    this.#baseMs = cooldownMs;
    this.#cooldownMs = cooldownMs;
    this.#maxMs = maxCooldownMs;
    this.#probeTimeoutMs = probeTimeoutMs;
  }

  /** The current state. */
  get state(): CircuitState {
    return this.#state;
  }

  /** How many times the circuit has opened. */
  get opened(): number {
    return this.#opened;
  }

  /** Until when the circuit stays open (the last opening's end; 0 if it never opened). */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Earliest time a grant may happen (`Infinity`: wait for the probe's answer). */
  allowedAt(now: number): number {
    this.#advance(now);
    if (this.#state === "closed") return -Infinity;
    if (this.#state === "open") return this.#openUntil;
    if (!this.#probe) return -Infinity;
    const retry = this.#probe.at + this.#probeTimeoutMs;
    if (now >= retry) {
      this.#probe = undefined;
      return -Infinity;
    }
    return Infinity;
  }

  /** Records a grant; in `half-open` it is the probe. */
  onGrant(grant: number, now: number): void {
    this.#advance(now);
    if (this.#state === "half-open" && !this.#probe) this.#probe = { grant, at: now };
  }

  /** Records an answer. Answers to requests granted before the circuit opened are ignored while it is not closed. */
  onAnswer(grant: number, ok: boolean, now: number): void {
    if (this.#state === "closed") {
      this.#failures = ok ? 0 : this.#failures + 1;
      if (this.#failures >= this.#threshold) this.#open(now);
      return;
    }
    if (this.#state !== "half-open" || this.#probe?.grant !== grant) return;
    this.#probe = undefined;
    if (ok) {
      this.#state = "closed";
      this.#failures = 0;
      this.#cooldownMs = this.#baseMs;
    } else {
      this.#cooldownMs = Math.min(this.#maxMs, this.#cooldownMs * 2);
      this.#open(now);
    }
  }

  /** A granted request that was never sent: if it was the probe, another may go. */
  forget(grant: number): void {
    if (this.#probe?.grant === grant) this.#probe = undefined;
  }

  #advance(now: number): void {
    if (this.#state === "open" && now >= this.#openUntil) {
      this.#state = "half-open";
      this.#probe = undefined;
    }
  }

  #open(now: number): void {
    this.#state = "open";
    this.#openUntil = now + this.#cooldownMs;
    this.#failures = 0;
    this.#opened++;
  }
}
