import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
const imports = config.imports as Record<string, string>;

/** Every `npm:name@version` a lib/ file names in full. */
async function fullSpecifiers(): Promise<{ file: string; name: string; version: string }[]> {
  const found: { file: string; name: string; version: string }[] = [];
  async function walk(dir: URL) {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(url);
        for (const m of text.matchAll(/"npm:((?:@[^/@"]+\/)?[^/@"]+)@([^/"]+)[^"]*"/g)) {
          found.push({ file: url.pathname, name: m[1]!, version: m[2]! });
        }
      }
    }
  }
  await walk(new URL("lib/", ROOT));
  return found;
}

Deno.test("lib/ names npm packages at the versions deno.json pins", async () => {
  const specifiers = await fullSpecifiers();
  assert.ok(specifiers.length >= 5, "lib/deps.ts names the packages in full");
  for (const { file, name, version } of specifiers) {
    assert.equal(imports[name], `npm:${name}@${version}`, `${file}: ${name}@${version}`);
  }
});

Deno.test("no lib/ file imports a bare npm specifier (deno.json's map does not reach users' scripts)", async () => {
  const bare: string[] = [];
  async function walk(dir: URL) {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        for (const line of (await Deno.readTextFile(url)).split("\n")) {
          if (/^\s*\*/.test(line)) continue; // doc examples run with the config
          const m = /\bfrom\s+"([^".][^"]*)"/.exec(line);
          if (m && !/^(npm:|node:|jsr:|https?:)/.test(m[1]!)) bare.push(`${url.pathname}: ${m[1]}`);
        }
      }
    }
  }
  await walk(new URL("lib/", ROOT));
  assert.deepEqual(bare, []);
});
