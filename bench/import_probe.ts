/**
 * Times sluice's import path alone, in process: `openInput` of a JSONL file
 * and `prepareJob` into a fresh database (read, validate, key, insert into the
 * queue, one transaction), exactly what `sluice run` does before its first
 * request. Prints one JSON line: `{ read, imported, ms }`.
 *
 * Usage: `deno run -A bench/import_probe.ts FILE.jsonl file:DB`
 *
 * @module
 */
import { openInput } from "../lib/job/input.ts";
import { prepareJob } from "../lib/job/prepare_job.ts";
import { openStore } from "../lib/store/store.ts";
import { compileTemplate } from "../lib/job/template.ts";

if (import.meta.main) {
  const [file = "", db = ""] = Deno.args;
  const request = { url: "http://127.0.0.1:9/echo", body: '{"q":"{{q}}"}' };
  const started = performance.now();
  const store = await openStore(db);
  const input = await openInput(file);
  const prepared = await prepareJob(store, compileTemplate(request), {
    name: "bench",
    input,
    inputId: file,
    request,
  });
  const ms = performance.now() - started;
  store.close();
  // deno-lint-ignore no-console
  console.log(JSON.stringify({ read: prepared.read, imported: prepared.imported, ms }));
}
