import assert from "node:assert/strict";
import { decideOutcome, type OutcomePolicy } from "../../lib/run/outcome.ts";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const FRESH = { attempts: 0, throttled: 0 };
/** Backoff draws its maximum, so delays are exact. */
const MAX_JITTER: OutcomePolicy = { backoff: { random: () => 0.999999 } };

function headers(retryAfter: string): Headers {
  return new Headers({ "retry-after": retryAfter });
}

Deno.test("decideOutcome() marks every 2xx done", () => {
  for (const status of [200, 201, 202, 204, 299]) {
    assert.deepEqual(decideOutcome({ status }, FRESH, {}, NOW), { kind: "done" });
  }
});

Deno.test("decideOutcome() throttles a 429 for its Retry-After in seconds", () => {
  const outcome = decideOutcome({ status: 429, headers: headers("7") }, FRESH, {}, NOW);
  assert.deepEqual(outcome, { kind: "throttled", cooldownMs: 7000, reason: "http 429" });
});

Deno.test("decideOutcome() throttles a 429 until its Retry-After HTTP date", () => {
  const date = new Date(NOW + 12_000).toUTCString();
  const outcome = decideOutcome({ status: 429, headers: headers(date) }, FRESH, {}, NOW);
  assert.deepEqual(outcome, { kind: "throttled", cooldownMs: 12_000, reason: "http 429" });
  // A date already past means "now", not a negative pause.
  const past = new Date(NOW - 5_000).toUTCString();
  assert.deepEqual(
    decideOutcome({ status: 429, headers: headers(past) }, FRESH, {}, NOW),
    { kind: "throttled", cooldownMs: 0, reason: "http 429" },
  );
});

Deno.test("decideOutcome() caps Retry-After at maxRetryAfterMs, seconds and dates alike", () => {
  const policy = { maxRetryAfterMs: 30_000 };
  const seconds = decideOutcome({ status: 429, headers: headers("3600") }, FRESH, policy, NOW);
  assert.deepEqual(seconds, { kind: "throttled", cooldownMs: 30_000, reason: "http 429" });
  const date = new Date(NOW + 3_600_000).toUTCString();
  const dated = decideOutcome({ status: 429, headers: headers(date) }, FRESH, policy, NOW);
  assert.deepEqual(dated, { kind: "throttled", cooldownMs: 30_000, reason: "http 429" });
  // The default cap is five minutes.
  const long = decideOutcome({ status: 429, headers: headers("86400") }, FRESH, {}, NOW);
  assert.equal(long.kind === "throttled" && long.cooldownMs, 300_000);
});

Deno.test("decideOutcome() throttles a 429 without (or with a malformed) Retry-After, leaving the wait to the job's cooldown", () => {
  assert.deepEqual(decideOutcome({ status: 429 }, FRESH, {}, NOW), {
    kind: "throttled",
    reason: "http 429",
  });
  const odd = decideOutcome({ status: 429, headers: headers("soon") }, FRESH, {}, NOW);
  assert.deepEqual(odd, { kind: "throttled", reason: "http 429" });
});

Deno.test("decideOutcome() throttles a 503 that carries Retry-After", () => {
  const outcome = decideOutcome({ status: 503, headers: headers("4") }, FRESH, {}, NOW);
  assert.deepEqual(outcome, { kind: "throttled", cooldownMs: 4000, reason: "http 503" });
  const date = new Date(NOW + 2_000).toUTCString();
  assert.deepEqual(
    decideOutcome({ status: 503, headers: headers(date) }, FRESH, {}, NOW),
    { kind: "throttled", cooldownMs: 2000, reason: "http 503" },
  );
});

Deno.test("decideOutcome() retries a 503 without Retry-After with backoff", () => {
  const outcome = decideOutcome({ status: 503, headers: new Headers() }, FRESH, MAX_JITTER, NOW);
  assert.deepEqual(outcome, { kind: "retry", delayMs: 499, reason: "http 503" });
});

Deno.test("decideOutcome() retries 408, 425, 500, 502, 503, 504 with backoff", () => {
  for (const status of [408, 425, 500, 502, 503, 504]) {
    const outcome = decideOutcome({ status }, FRESH, MAX_JITTER, NOW);
    assert.deepEqual(outcome, { kind: "retry", delayMs: 499, reason: `http ${status}` });
  }
});

Deno.test("decideOutcome() backs off with full jitter, doubling from 500 ms up to 60 s", () => {
  const policy = { ...MAX_JITTER, maxAttempts: 100 };
  const delay = (attempts: number) => {
    const outcome = decideOutcome({ status: 500 }, { attempts, throttled: 0 }, policy, NOW);
    assert.equal(outcome.kind, "retry");
    return outcome.kind === "retry" ? outcome.delayMs : -1;
  };
  assert.deepEqual([0, 1, 2, 3].map(delay), [499, 999, 1999, 3999]);
  assert.equal(delay(20), 59_999);
  const low = decideOutcome({ status: 500 }, FRESH, { backoff: { random: () => 0 } }, NOW);
  assert.deepEqual(low, { kind: "retry", delayMs: 0, reason: "http 500" });
  const tuned = decideOutcome({ status: 500 }, { attempts: 2, throttled: 0 }, {
    maxAttempts: 10,
    backoff: { baseMs: 10, capMs: 25, random: () => 0.999999 },
  }, NOW);
  assert.deepEqual(tuned, { kind: "retry", delayMs: 24, reason: "http 500" });
});

Deno.test("decideOutcome() fails a retryable status once maxAttempts is reached", () => {
  const fourth = decideOutcome({ status: 502 }, { attempts: 3, throttled: 0 }, {}, NOW);
  assert.equal(fourth.kind, "retry");
  const fifth = decideOutcome({ status: 502 }, { attempts: 4, throttled: 0 }, {}, NOW);
  assert.deepEqual(fifth, { kind: "failed", reason: "http 502 (after 5 attempts)" });
  const once = decideOutcome({ status: 500 }, FRESH, { maxAttempts: 1 }, NOW);
  assert.deepEqual(once, { kind: "failed", reason: "http 500 (after 1 attempt)" });
});

Deno.test("decideOutcome() retries a timeout, then fails it", () => {
  const timeout = { failure: { kind: "timeout" as const, message: "no answer within 50 ms" } };
  assert.deepEqual(decideOutcome(timeout, FRESH, MAX_JITTER, NOW), {
    kind: "retry",
    delayMs: 499,
    reason: "timeout",
  });
  assert.deepEqual(decideOutcome(timeout, { attempts: 1, throttled: 0 }, { maxAttempts: 2 }, NOW), {
    kind: "failed",
    reason: "timeout (after 2 attempts)",
  });
});

Deno.test("decideOutcome() retries a network error (refused, reset), then fails it", () => {
  const refused = { failure: { kind: "network" as const, message: "ECONNREFUSED (refused)" } };
  assert.deepEqual(decideOutcome(refused, FRESH, MAX_JITTER, NOW), {
    kind: "retry",
    delayMs: 499,
    reason: "network: ECONNREFUSED (refused)",
  });
  const last = decideOutcome(refused, { attempts: 4, throttled: 0 }, {}, NOW);
  assert.deepEqual(last, {
    kind: "failed",
    reason: "network: ECONNREFUSED (refused) (after 5 attempts)",
  });
});

Deno.test("decideOutcome() fails any other 4xx at once", () => {
  for (const status of [400, 401, 403, 404, 405, 409, 410, 413, 422]) {
    assert.deepEqual(decideOutcome({ status }, FRESH, {}, NOW), {
      kind: "failed",
      reason: `http ${status}`,
    });
  }
});

Deno.test("decideOutcome() fails a body over the size cap with its reason, even on 200", () => {
  const message = "response body over 100 bytes (--max-body)";
  const outcome = decideOutcome(
    { status: 200, failure: { kind: "body_too_large", message } },
    FRESH,
    {},
    NOW,
  );
  assert.deepEqual(outcome, { kind: "failed", reason: message });
});

Deno.test("decideOutcome() does not count a 429 against maxAttempts", () => {
  // Four attempts spent, many throttles: a 429 is still a pause, never a failure.
  const counts = { attempts: 4, throttled: 20 };
  const outcome = decideOutcome({ status: 429, headers: headers("1") }, counts, {}, NOW);
  assert.deepEqual(outcome, { kind: "throttled", cooldownMs: 1000, reason: "http 429" });
  const oneAttempt = decideOutcome({ status: 429 }, { attempts: 0, throttled: 3 }, {
    maxAttempts: 1,
  }, NOW);
  assert.equal(oneAttempt.kind, "throttled");
});

Deno.test("decideOutcome() fails an item at its maxThrottled-th 429, not one later", () => {
  const policy = { maxThrottled: 3 };
  const second = decideOutcome({ status: 429 }, { attempts: 0, throttled: 1 }, policy, NOW);
  assert.equal(second.kind, "throttled");
  const third = decideOutcome({ status: 429 }, { attempts: 0, throttled: 2 }, policy, NOW);
  assert.deepEqual(third, { kind: "failed", reason: "http 429 (throttled 3 times)" });
  const once = decideOutcome(
    { status: 429 },
    { attempts: 0, throttled: 0 },
    { maxThrottled: 1 },
    NOW,
  );
  assert.deepEqual(once, { kind: "failed", reason: "http 429 (throttled 1 times)" });
  const outage = decideOutcome(
    { status: 503, headers: headers("1") },
    {
      attempts: 0,
      throttled: 49,
    },
    {},
    NOW,
  );
  assert.deepEqual(outage, { kind: "failed", reason: "http 503 (throttled 50 times)" });
});

Deno.test("decideOutcome() follows a custom list of retryable statuses", () => {
  const policy = { retryStatuses: [409], backoff: { random: () => 0 } };
  assert.equal(decideOutcome({ status: 409 }, FRESH, policy, NOW).kind, "retry");
  assert.deepEqual(decideOutcome({ status: 500 }, FRESH, policy, NOW), {
    kind: "failed",
    reason: "http 500",
  });
});
