import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { readJobFile } from "../../lib/job/read_job_file.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("readJobFile() splits the settings from the queries", async () => {
  const job = await readJobFile(
    bytes('{"request": {"url": "https://x.test/{{q}}"},\n "queries": [\n {"q": "a"}]}'),
    "job.json",
  );
  assert.deepEqual(job.settings, { request: { url: "https://x.test/{{q}}" } });
  assert.deepEqual(job.queries, [{ vars: { q: "a" }, line: 3 }]);
});

Deno.test("readJobFile() needs an object with a queries array", async () => {
  for (const text of ['[{"q": 1}]', '{"queries": "none"}', "{}"]) {
    await assert.rejects(readJobFile(bytes(text), "job.json"), {
      name: "InputError",
      message: 'job.json: Cannot read input as a job file: it needs a "queries" array',
    }, text);
  }
});

Deno.test("readJobFile() reports malformed JSON with its line", async () => {
  await assert.rejects(
    readJobFile(bytes('{\n "queries": [\n {"q": }\n]}'), "job.json"),
    (err: unknown) => err instanceof InputError && err.line === 3,
  );
});
