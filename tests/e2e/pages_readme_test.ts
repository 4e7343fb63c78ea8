/**
 * The README's "Follow-up pages" example runs as written: its `sh` block in
 * an empty folder against the built-in mock (port 8787 swapped for a free
 * one, the mock started as a plain background command so that `kill %1`
 * stops it), with `sluice` as `deno run main.ts`. Each of the four styles
 * finds every page of both queries.
 */
import assert from "node:assert/strict";
import { createMockApi } from "../../lib/mock/mock_api.ts";
import { freePort, readmeBlocks, runScript } from "./_readme_script.ts";

Deno.test("the README's Follow-up pages example runs as written: every style finds every page", async () => {
  // Comments in the block start with one #: the section ends at the next heading.
  const [sh] = readmeBlocks("### Follow-up pages", "sh", "#{2,3}");
  assert.ok(sh);
  const [mockLine, ...rest] = sh.split("\n");
  assert.equal(mockLine, "sluice mock --port 8787 &");
  const home = await Deno.makeTempDir({ prefix: "sluice_pages_readme_" });
  try {
    const port = freePort();
    const { code, stdout, stderr } = await runScript(
      [rest.join("\n").replaceAll("8787", String(port))],
      home,
      port,
    );
    assert.equal(code, 0, stderr);
    const pages = async (q: string) => {
      const res = await createMockApi().app.request(`/pages/link?q=${encodeURIComponent(q)}`);
      return (await res.json()).pages as number;
    };
    const want = ["job,key,pages,hits"];
    for (const job of ["cursor", "link", "number", "url"]) {
      for (const [key, q] of [["1", "apple pie"], ["2", "pear tart"]]) {
        const n = await pages(q!);
        want.push(`${job},${key},${n},${n * 3}`);
      }
    }
    assert.equal(stdout, want.join("\n") + "\n");
    assert.equal((stderr.match(/2\/2 queries done/g) ?? []).length, 4, stderr);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
