import assert from "node:assert/strict";
import { resolve } from "node:path";
import { processingConfig } from "../../cli/processing_config.ts";
import { resolveRunConfig } from "../../cli/run_config.ts";
import { InputError } from "../../lib/errors.ts";

Deno.test("processingConfig() takes a flag over the job file over what the job saved", () => {
  const saved = { schema: "saved schema", into: "saved into" };
  assert.deepEqual(processingConfig({}, {}, saved).options, saved);
  assert.deepEqual(processingConfig({}, { into: "file into" }, saved).options, {
    schema: "saved schema",
    into: "file into",
  });
  assert.deepEqual(processingConfig({ into: "flag into" }, { into: "file into" }, saved).options, {
    schema: "saved schema",
    into: "flag into",
  });
});

Deno.test("processingConfig(): --into and --processor replace each other, the processor's path made absolute", () => {
  const saved = { into: "saved into", processor: "/old/processor.ts" };
  assert.deepEqual(processingConfig({ processor: "./p.ts" }, {}, { into: "saved into" }).options, {
    processor: resolve("./p.ts"),
  });
  assert.deepEqual(processingConfig({ into: "new into" }, {}, saved).options, { into: "new into" });
});

Deno.test("processingConfig() reads @file.sql from the working directory and saves its text", async () => {
  const path = await Deno.makeTempFile({ suffix: ".sql" });
  try {
    await Deno.writeTextFile(path, "INSERT INTO t VALUES (:key)");
    const config = processingConfig({ into: `@${path}` }, { schema: `@${path}` }, {});
    assert.deepEqual(config.saved, {
      schema: "INSERT INTO t VALUES (:key)",
      into: "INSERT INTO t VALUES (:key)",
    });
  } finally {
    await Deno.remove(path);
  }
  assert.throws(
    () => processingConfig({ schema: "@/nonexistent/schema.sql" }, {}, {}),
    (error: Error) =>
      error instanceof InputError &&
      error.message === "Cannot read --schema from /nonexistent/schema.sql: file not found",
  );
  assert.throws(
    () => processingConfig({}, { into: 5 }, {}),
    /Cannot use "into" of the job file: it is not a string/,
  );
});

Deno.test("resolveRunConfig() passes the processing to the run and saves it with the job", () => {
  const config = resolveRunConfig(
    { url: "http://127.0.0.1:1/x", into: "INSERT INTO t VALUES (:key)" },
    { schema: "CREATE TABLE IF NOT EXISTS t (key TEXT)" },
  );
  assert.equal(config.options.into, "INSERT INTO t VALUES (:key)");
  assert.equal(config.options.schema, "CREATE TABLE IF NOT EXISTS t (key TEXT)");
  assert.equal(config.saved.into, "INSERT INTO t VALUES (:key)");
  assert.equal(config.saved.schema, "CREATE TABLE IF NOT EXISTS t (key TEXT)");
});
