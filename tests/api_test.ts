/**
 * The library's public surface: lib/mod.ts stays small (what a script needs
 * to run a job, read its results, write a processor and handle errors), and
 * every entry point of deno.json's "exports" is documentation-linted.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));

/** The names an entry point exports, read from `deno doc --json`. */
async function publicNames(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(out.code, 0, `deno doc --json ${entry}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const modules = Object.values(doc.nodes) as { symbols: { name: string }[] }[];
  return [...new Set(modules.flatMap((m) => m.symbols.map((s) => s.name)))].sort();
}

Deno.test("lib/mod.ts exports at most 40 public names", async () => {
  const names = await publicNames("lib/mod.ts");
  assert.ok(names.includes("run") && names.includes("InputError"), names.join(", "));
  assert.ok(names.length <= 40, `${names.length} names: ${names.join(", ")}`);
});

Deno.test("every entry point of deno.json's exports is documentation-linted, together", async () => {
  const entries = Object.values(config.exports as Record<string, string>)
    .map((path) => path.replace(/^\.\//, ""));
  const lint = config.tasks["doc:lint"] as string;
  for (const entry of entries) assert.ok(lint.includes(` ${entry}`), `doc:lint lacks ${entry}`);
  assert.match(config.tasks.check, /deno task doc:lint/);
  assert.match(await Deno.readTextFile(new URL(".ci/run", ROOT)), /task doc:lint/);
});
