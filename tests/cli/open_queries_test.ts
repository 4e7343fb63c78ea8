import assert from "node:assert/strict";
import { openQueries } from "../../cli/open_queries.ts";
import { InputError } from "../../lib/errors.ts";

Deno.test("openQueries() reports a missing file with the absolute path it looked for", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_open_queries_" });
  const cwd = Deno.cwd();
  try {
    Deno.chdir(dir);
    await assert.rejects(openQueries("data/q.jsonl"), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.equal(
        error.message,
        `data/q.jsonl: Cannot open input: file not found (looked for ${
          Deno.realPathSync(dir)
        }/data/q.jsonl)`,
      );
      return true;
    });
    // Other failures keep their message.
    await assert.rejects(openQueries("."), { message: ".: Cannot open input: it is a directory" });
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});
