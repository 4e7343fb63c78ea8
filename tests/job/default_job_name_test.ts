import assert from "node:assert/strict";
import { defaultJobName } from "../../lib/job/default_job_name.ts";

Deno.test("defaultJobName() is the input's base name without extension, for the CLI and the library", () => {
  assert.equal(defaultJobName("data/queries.jsonl"), "queries");
  assert.equal(defaultJobName("C:\\data\\hits.CSV"), "hits");
  assert.equal(defaultJobName("job.json"), "job");
  assert.equal(defaultJobName("-"), "stdin");
  // The library's queries given as objects are the input "queries".
  assert.equal(defaultJobName("queries"), "queries");
});
