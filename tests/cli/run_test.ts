import assert from "node:assert/strict";
import { runCommand } from "../../cli/run.ts";
import { InputError } from "../../lib/errors.ts";

const quiet = { log: () => {}, error: () => {} };

Deno.test("runCommand() removes the database it created for bad input, whatever the file: URL's form", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice run command " });
  try {
    const encoded = encodeURI(dir); // the directory's name has spaces
    for (const db of [`file://${encoded}/a.db`, `file:${encoded}/b.db`, `file:${dir}/c.db`]) {
      // No input and no such job: bad input, found after the database was opened.
      await assert.rejects(
        runCommand(undefined, { db, job: "none" }, quiet, new AbortController().signal),
        InputError,
      );
    }
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
