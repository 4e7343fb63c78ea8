import assert from "node:assert/strict";
import { CommanderError } from "commander";
import { reportError } from "../../cli/main.ts";
import { InputError, StoreError } from "../../lib/errors.ts";

function report(error: unknown): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = reportError(error, { log: () => {}, error: (line) => lines.push(line) });
  return { code, lines };
}

Deno.test("reportError() reports bad input and usage errors as exit 2, in one line", () => {
  assert.deepEqual(report(new InputError("Cannot parse rate: current value is 'x'")), {
    code: 2,
    lines: ["sluice: error: Cannot parse rate: current value is 'x'"],
  });
  // commander has already printed its own message.
  assert.deepEqual(report(new CommanderError(1, "commander.unknownCommand", "unknown")), {
    code: 2,
    lines: [],
  });
  assert.deepEqual(report(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)")), {
    code: 0,
    lines: [],
  });
});

Deno.test("reportError() reports a RangeError or TypeError from inside as a bug (exit 1, with its stack)", () => {
  for (const error of [new RangeError("Invalid array length"), new TypeError("x is undefined")]) {
    const { code, lines } = report(error);
    assert.equal(code, 1);
    assert.equal(lines[0], "sluice: unexpected error (a bug; please report it):");
    assert.equal(lines[1], error.stack);
  }
});

Deno.test("reportError() reports a database error as exit 1 with the way out", () => {
  assert.deepEqual(report(new StoreError("database is locked")), {
    code: 1,
    lines: [
      "sluice: error: database is locked",
      "sluice: everything committed is kept; run the same command again once that is fixed",
    ],
  });
});
