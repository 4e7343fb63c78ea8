import assert from "node:assert/strict";
import { mockCommand, type MockFlags, mockOptions } from "../../cli/mock.ts";
import { InputError } from "../../lib/errors.ts";

const quiet = { log: () => {}, error: () => {} };

function assertBadInput(fn: () => unknown, message: string) {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof InputError, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("mockOptions() reports bad windows and outages as InputError", () => {
  assertBadInput(
    () => mockOptions({ windows: "lots" }),
    "Cannot parse rate as a number per period (like 50/s, 3000/min, tokens=90000/min, none or auto): current value is 'lots'",
  );
  assertBadInput(
    () => mockOptions({ outage: ["1s-x"] }),
    "Cannot parse --outage end as a duration: current value is 'x'",
  );
  assertBadInput(
    () => mockOptions({ outage: ["8s-5s"] }),
    "Cannot parse --outage as START-END[:RETRY_AFTER_S] (e.g. 5s-8s:2): current value is '8s-5s'",
  );
});

Deno.test("mockCommand() reports options the mock API refuses as InputError", async () => {
  const cases: [MockFlags, string][] = [
    [
      { rate: "2.5" },
      "Cannot use 1-second windows as rate is not an integer: current value is 2.5",
    ],
    [
      { rate: "5", burst: "1.5", limiter: "bucket" },
      "Cannot limit the mock as burst is invalid: current value is 1.5",
    ],
    [
      { windows: "1.5/s" },
      "Cannot limit the mock as a window is invalid: current value is 1.5 per 1000 ms",
    ],
    [{ port: "1.5" }, "Cannot serve the mock API as port is invalid: current value is 1.5"],
  ];
  for (const [flags, message] of cases) {
    const stop = new AbortController();
    try {
      await assert.rejects(mockCommand({ port: "0", ...flags }, quiet, stop.signal), (error) => {
        assert.ok(error instanceof InputError, String(error));
        assert.equal(error.message, message);
        return true;
      });
    } finally {
      stop.abort();
    }
  }
});
