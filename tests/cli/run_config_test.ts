import assert from "node:assert/strict";
import { resolveRunConfig, type RunFlags } from "../../cli/run_config.ts";
import { InputError } from "../../lib/errors.ts";

const URL_FLAG = { url: "http://127.0.0.1:1/x" };

Deno.test("resolveRunConfig() lets flags win over the job file and defaults the rate politely", () => {
  const settings = {
    request: { url: "http://127.0.0.1:1/a", headers: { "X-A": "1" } },
    rate: "5/s",
    concurrency: 4,
  };
  const fromFile = resolveRunConfig({}, settings);
  assert.equal(fromFile.rateSource, "job file");
  assert.equal(fromFile.options.concurrency, 4);
  const fromFlags = resolveRunConfig(
    { url: "http://127.0.0.1:1/b", rate: "none", concurrency: "32", header: ["X-B: 2"] },
    settings,
  );
  assert.equal(fromFlags.request.url, "http://127.0.0.1:1/b");
  assert.deepEqual(fromFlags.request.headers, { "X-A": "1", "X-B": "2" });
  assert.deepEqual(fromFlags.rate, { kind: "none" });
  assert.equal(fromFlags.options.concurrency, 32);
  const defaults = resolveRunConfig({ url: "http://127.0.0.1:1/c" }, {});
  assert.equal(defaults.rateSource, "default");
  assert.deepEqual(defaults.rate, { kind: "windows", windows: [{ limit: 10, periodMs: 1000 }] });
});

Deno.test("resolveRunConfig() rejects a missing URL, bad headers and bad numbers", () => {
  assert.throws(() => resolveRunConfig({}, {}), InputError);
  assert.throws(() => resolveRunConfig({ url: "http://x/", header: ["nocolon"] }, {}), InputError);
  // Bad numbers are bad input: InputError, with the parser's RangeError as the cause.
  assert.throws(() => resolveRunConfig({ url: "http://x/", concurrency: "0" }, {}), {
    name: "InputError",
    message: "Cannot parse --concurrency as an integer of at least 1: current value is '0'",
  });
  assert.throws(
    () => resolveRunConfig({ url: "http://x/", timeout: "later" }, {}),
    (e: Error) => e instanceof InputError && e.cause instanceof RangeError,
  );
});

/** Asserts that `flags` are bad input, with the message users have always seen. */
function assertBadInput(flags: RunFlags, message: string, settings = {}) {
  assert.throws(() => resolveRunConfig({ ...URL_FLAG, ...flags }, settings), (error: Error) => {
    assert.ok(error instanceof InputError, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("resolveRunConfig() reports bad numbers, durations, sizes and rates as InputError", () => {
  assertBadInput(
    { concurrency: "0" },
    "Cannot parse --concurrency as an integer of at least 1: current value is '0'",
  );
  assertBadInput(
    { timeout: "later" },
    "Cannot parse --timeout as a duration: current value is 'later'",
  );
  assertBadInput({ maxBody: "big" }, "Cannot parse --max-body as a size: current value is 'big'");
  assertBadInput(
    { deadline: "soon" },
    "Cannot parse --deadline as a duration: current value is 'soon'",
  );
  assertBadInput(
    { rate: "fast" },
    "Cannot parse rate as a number per period (like 50/s, 3000/min, tokens=90000/min, none or auto): current value is 'fast'",
  );
  // The same from a job file's settings, which the message names.
  assertBadInput(
    {},
    `Cannot parse "burst" of the job file as an integer of at least 1 (or per unit: 5,tokens=4000): current value is '1.5'`,
    { burst: 1.5 },
  );
});

Deno.test("resolveRunConfig() keeps the RangeError it reports as the InputError's cause", () => {
  try {
    resolveRunConfig({ ...URL_FLAG, grace: "-1s" }, {});
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof InputError);
    assert.ok(error.cause instanceof RangeError);
    assert.equal(error.message, (error.cause as Error).message);
  }
});

Deno.test("resolveRunConfig() rejects pacing the limiter would refuse, before anything is imported", () => {
  assertBadInput(
    { breakerCooldown: "10m" },
    "Cannot use breaker cooldown as a duration up to 300000 ms: current value is '600000'",
  );
  assertBadInput(
    { rate: "0.5/day" },
    "Cannot keep a budget without a limit of at least 1 per window: current value is '0.5'",
  );
  // A breaker that is off has no cooldown to check; short windows keep no budget.
  resolveRunConfig({ ...URL_FLAG, breakerThreshold: "0", breakerCooldown: "10m" }, {});
  resolveRunConfig({ ...URL_FLAG, rate: "0.5/s" }, {});
});
