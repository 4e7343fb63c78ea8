/**
 * The README's "Process your answers" examples run as written: its `sh`
 * blocks in an empty folder against the built-in mock (port 8787 swapped
 * for a free one), with `sluice` as `deno run main.ts`, then its processor
 * module, written to a file, through `sluice process`.
 */
import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";
import { freePort, readmeBlocks, runScript } from "./_readme_script.ts";

Deno.test("the README's Process your answers examples run as written", async () => {
  const sh = readmeBlocks("### Process your answers", "sh");
  const [processor] = readmeBlocks("### Process your answers", "ts");
  assert.equal(sh.length, 2);
  assert.ok(processor);
  const home = await Deno.makeTempDir({ prefix: "sluice_process_readme_" });
  try {
    const mod = fromFileUrl(new URL("../../lib/mod.ts", import.meta.url));
    await Deno.writeTextFile(`${home}/processor.ts`, processor.replace("./sluice/lib/mod.ts", mod));
    const port = freePort();
    const { code, stdout, stderr } = await runScript(
      [
        `printf '%s\\n' '{"id":"1","q":"apple pie"}' '{"id":"2","q":"pear tart"}' > queries.jsonl`,
        sh[0]!.replaceAll("8787", String(port)),
        "echo '-- processed again'",
        sh[1]!,
        "sluice process --db file:hits.db --processor processor.ts --quiet",
        `sluice sql --db file:hits.db "SELECT count(*) AS n, count(q) AS with_q FROM hits"`,
      ],
      home,
      port,
    );
    assert.equal(code, 0, stderr);
    const [first, last] = stdout.split("-- processed again\n");
    assert.match(first!, /^q,rank,title\napple pie,1,Result 1 for apple pie\n/);
    assert.match(stderr, /2 answers processed: 2 into the tables, 0 failed/);
    // The processor replaced each row by key, and left q as the SQL wrote it.
    const rows = Number(first!.trim().split("\n").length - 1);
    assert.equal(last, `n,with_q\n${rows},0\n`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
