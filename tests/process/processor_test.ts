import assert from "node:assert/strict";
import { relative } from "node:path";
import { InputError } from "../../lib/errors.ts";
import { loadProcessor } from "../../lib/process/processor.ts";

/** Writes a module into a temporary folder and returns its path relative to the working directory. */
async function moduleFile(source: string): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-processor-" });
  await Deno.writeTextFile(`${dir}/processor.ts`, source);
  return {
    path: relative(Deno.cwd(), `${dir}/processor.ts`),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("loadProcessor() imports a module by a path from the working directory", async () => {
  await using file = await moduleFile(`export default {
    tables: { hits: { columns: { key: "TEXT", n: "INTEGER" }, key: ["key"] } },
    process: (answer) => ({ hits: [{ key: answer.key, n: 1 }] }),
  };`);
  const processor = await loadProcessor(file.path);
  assert.deepEqual(processor.tables, {
    hits: { columns: { key: "TEXT", n: "INTEGER" }, key: ["key"] },
  });
  assert.deepEqual(
    await processor.process(
      { key: "a", status: 200, body: null, text: null, headers: {}, url: null, at: 0 },
      {},
    ),
    { hits: [{ key: "a", n: 1 }] },
  );
});

Deno.test("loadProcessor() reports a module that does not load, or does not parse", async () => {
  await assert.rejects(
    loadProcessor("./no/such/processor.ts"),
    (error: Error) =>
      error instanceof InputError &&
      /Cannot load processor \.\/no\/such\/processor\.ts: /.test(error.message),
  );
  await using broken = await moduleFile("export default {");
  await assert.rejects(loadProcessor(broken.path), /Cannot load processor .*processor\.ts: /);
});

Deno.test("loadProcessor() refuses a default export that is not a processor", async () => {
  const process = () => ({});
  const cases: [unknown, RegExp][] = [
    [undefined, /needs a process\(answer, query\) function/],
    [{ tables: {}, process: 1 }, /needs a process/],
    [{ process }, /declares no tables .* and no schema/],
    [{ process, tables: { t: {} } }, /table "t" needs columns/],
    [{ process, tables: { t: { columns: {} } } }, /table "t" has no columns/],
    [{ process, tables: { t: { columns: { a: 1 } } } }, /column "a" of "t" has no SQL type/],
    [
      { process, tables: { t: { columns: { a: "TEXT" }, key: ["b"] } } },
      /key of "t" names no column b/,
    ],
    [
      { process, tables: { items: { columns: { a: "TEXT" } } } },
      /table "items" is the name of sluice's own table "items"/,
    ],
    // SQLite compares names without case: "ITEMS" is sluice's items.
    [
      { process, tables: { ITEMS: { columns: { a: "TEXT" } } } },
      /table "ITEMS" is the name of sluice's own table "items"/,
    ],
    [
      { process, tables: { sqlite_master: { columns: { a: "TEXT" } } } },
      /SQLite's own table "sqlite_master"/,
    ],
    [{ process, schema: 5 }, /schema is not a string/],
  ];
  for (const [value, message] of cases) {
    await assert.rejects(
      loadProcessor(value as never),
      (error: Error) => error instanceof InputError && message.test(error.message),
      String(message),
    );
  }
  await using file = await moduleFile("export const process = () => ({});");
  await assert.rejects(loadProcessor(file.path), /its default export needs a process/);
});

Deno.test('loadProcessor() refuses a table named "" (empty), naming the processor file and the table', async () => {
  await using file = await moduleFile(`export default {
    tables: { "": { columns: { key: "TEXT" } } },
    process: (answer) => ({ "": [{ key: answer.key }] }),
  };`);
  await assert.rejects(
    loadProcessor(file.path),
    (error: Error) =>
      error instanceof InputError &&
      error.message ===
        `Cannot use processor ${file.path}: table "" has no name: name it (tables: { name: {...} })`,
  );
});
