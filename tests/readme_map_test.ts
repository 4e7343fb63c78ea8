import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", ROOT));

/** The code block under "## Map of the code". */
function mapBlock(): string {
  const section = readme.split("## Map of the code")[1];
  assert.ok(section, "README has a Map of the code section");
  return section.split("```")[1]!;
}

Deno.test("README's map of the code names every folder of lib/ and cli/", async () => {
  const map = mapBlock();
  for (const top of ["cli", "lib"]) {
    for await (const entry of Deno.readDir(new URL(`${top}/`, ROOT))) {
      if (!entry.isDirectory || top === "cli") continue;
      assert.ok(map.includes(`lib/${entry.name}/`), `the map names lib/${entry.name}/`);
    }
  }
  assert.ok(map.includes("cli/") && map.includes("main.ts"));
});

Deno.test("every path README's map of the code names exists", async () => {
  const paths = mapBlock().match(/^(\S+)/gm) ?? [];
  assert.ok(paths.length >= 10);
  for (const path of paths) await Deno.stat(new URL(path, ROOT));
});
