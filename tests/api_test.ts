/**
 * The library's public surface: lib/mod.ts stays small (what a script needs
 * to run a job, read its results, write a processor and handle errors), and
 * every entry point of deno.json's "exports" is documentation-linted alone.
 */
import assert from "node:assert/strict";
import { run } from "../lib/mod.ts";

const ROOT = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));

/** A symbol of `deno doc --json`: its name and how it is declared. */
interface Documented {
  name: string;
  declarations: { kind: string }[];
}

/** The symbols an entry point exports, read from `deno doc --json`. */
async function documented(entry: string): Promise<Documented[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(out.code, 0, `deno doc --json ${entry}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  return (Object.values(doc.nodes) as { symbols: Documented[] }[]).flatMap((m) => m.symbols);
}

/** The names an entry point exports. */
async function publicNames(entry: string): Promise<string[]> {
  return [...new Set((await documented(entry)).map((s) => s.name))].sort();
}

Deno.test("lib/mod.ts exports at most 40 public names", async () => {
  const names = await publicNames("lib/mod.ts");
  assert.ok(names.includes("run") && names.includes("InputError"), names.join(", "));
  assert.ok(names.length <= 40, `${names.length} names: ${names.join(", ")}`);
});

/** The entry points of deno.json's "exports", as paths from the repository's root. */
const ENTRIES = Object.values(config.exports as Record<string, string>)
  .map((path) => path.replace(/^\.\//, ""));

Deno.test("the doc:lint task lints every entry point of deno.json's exports alone, one command each", async () => {
  const commands = (config.tasks["doc:lint"] as string).split("&&").map((c) => c.trim());
  // Linted together, a type one entry point names counts as public when another exports it.
  assert.deepEqual(commands, ENTRIES.map((entry) => `deno doc --lint ${entry}`));
  assert.match(config.tasks.check, /deno task doc:lint/);
  assert.match(await Deno.readTextFile(new URL(".ci/run", ROOT)), /task doc:lint/);
});

for (const entry of ENTRIES) {
  Deno.test(`deno doc --lint ${entry} alone: every type its public names use is public`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--lint", entry],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    const errors = new TextDecoder().decode(out.stderr).split("\n")
      .filter((line) => line.startsWith("error"));
    assert.equal(out.code, 0, errors.join("\n"));
  });
}

Deno.test("every function and constant an entry point's docs list is a value it exports", async () => {
  for (const entry of ENTRIES) {
    const symbols = await documented(entry);
    const callable = symbols
      .filter((s) => s.declarations.some((d) => d.kind === "function" || d.kind === "variable"))
      .map((s) => s.name);
    const module = await import(new URL(entry, ROOT).href);
    // A type-only re-export of a module lists its functions too, though none can be called.
    assert.deepEqual(callable.filter((name) => !(name in module)), [], entry);
  }
});

Deno.test("run() refuses a db that is neither a URL nor a store opened by openStore, before anything is sent", async () => {
  let sent = 0;
  const fake = {
    url: ":memory:",
    jobs: { find: () => Promise.resolve(undefined), list: () => Promise.resolve([]) },
    queue: { counts: () => Promise.reject(new Error("not a store")) },
    reports: { exportRows: () => (async function* () {})() },
    close: () => {},
  };
  await assert.rejects(
    run({
      queries: [{ q: "a" }],
      request: { url: "http://api.test/?q={{q}}" },
      db: fake,
      fetch: () => Promise.resolve(new Response(String(++sent))),
    }),
    { name: "TypeError", message: /neither a URL nor a store opened by openStore/ },
  );
  assert.equal(sent, 0);
});
