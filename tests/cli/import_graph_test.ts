import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";

// The code's layering, checked: main.ts, cli/ and lib/ import each other
// without a cycle, and lib/ never imports cli/ (the library stands alone).

const ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** The relative specifiers a module imports: static, type-only, re-exports and dynamic. */
function relativeImports(source: string): string[] {
  // Examples in JSDoc import the module they document: comments are not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\b[^;"']*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm),
    ...code.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
  ];
  return specifiers.map((m) => m[1]!);
}

/** A cycle in the graph as a path that ends where it starts, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

async function* typeScriptFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* typeScriptFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Every module of main.ts, cli/ and lib/, by path from the root, with what it imports. */
async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const files = ["main.ts"];
  for (const dir of ["cli", "lib"]) files.push(...await Array.fromAsync(typeScriptFiles(dir)));
  for (const file of files) {
    const source = await Deno.readTextFile(`${ROOT}${file}`);
    const base = new URL(file, `file://${ROOT}`);
    graph.set(
      file,
      relativeImports(source).map((s) => fromFileUrl(new URL(s, base)).slice(ROOT.length)),
    );
  }
  return graph;
}

Deno.test("relativeImports() reads static, type-only, re-exported and dynamic imports, not comments", () => {
  const source = [
    "/**",
    ' * import { example } from "./in_a_doc_comment.ts";',
    " */",
    'import { a } from "./a.ts";',
    'import type { B } from "../b.ts";',
    "import {",
    "  c,",
    "  type C,",
    '} from "./c.ts";',
    'export { d } from "./d.ts";',
    'import "./e.ts";',
    'import { Hono } from "hono";',
    '// import { f } from "./commented_out.ts";',
    'const g = await import("./g.ts");',
  ].join("\n");
  assert.deepEqual(relativeImports(source).sort(), [
    "../b.ts",
    "./a.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./g.ts",
  ]);
});

Deno.test("findCycle() returns the path of a cycle, and nothing for a tree", () => {
  const tree = new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]);
  assert.equal(findCycle(tree), undefined);
  const cyclic = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["b"]]]);
  assert.deepEqual(findCycle(cyclic), ["b", "c", "b"]);
});

Deno.test("main.ts, cli/ and lib/ import one another without a cycle", async () => {
  const graph = await importGraph();
  assert.ok(graph.get("main.ts")?.length && graph.has("lib/mod.ts"), [...graph.keys()].join());
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(" -> ")}`);
});

Deno.test("no module under lib/ imports from cli/ or main.ts", async () => {
  const graph = await importGraph();
  const wrong = [...graph].filter(([file]) => file.startsWith("lib/")).flatMap(([file, deps]) =>
    deps.filter((d) => d.startsWith("cli/") || d === "main.ts").map((d) => `${file} -> ${d}`)
  );
  assert.deepEqual(wrong, []);
});

/**
 * Each folder's layer: a module may import its own layer or a lower one,
 * never a higher one. lib/'s own files (defaults, errors, deps, version) are
 * the ground; lib/mod.ts and the other entry points stand above everything
 * in lib/ they gather.
 */
const LAYERS: [prefix: string, layer: number][] = [
  ["lib/util/", 1],
  ["lib/store/", 2],
  ["lib/http/", 2],
  ["lib/rate/", 2],
  ["lib/job/", 2],
  ["lib/process/", 3],
  ["lib/run/", 4],
  ["lib/mock/", 5],
  ["lib/testing/", 5],
  ["lib/dashboard/", 5],
  ["cli/", 7],
  ["main.ts", 8],
];

/** The layer of a module, by the longest prefix that names it. */
function layerOf(file: string): number {
  if (/^lib\/[^/]+\.ts$/.test(file)) return /(^|\/)mod\.ts$/.test(file) ? 6 : 0;
  if (/^lib\/[^/]+\/mod\.ts$/.test(file)) return 6;
  const found = LAYERS.find(([prefix]) => file.startsWith(prefix));
  assert.ok(found, `${file} has no layer: add its folder to LAYERS`);
  return found[1];
}

/** The imports that go up a layer, as `from -> to`. */
function upward(graph: Map<string, string[]>): string[] {
  return [...graph].flatMap(([file, deps]) =>
    deps.filter((d) => layerOf(d) > layerOf(file)).map((d) => `${file} -> ${d}`)
  );
}

Deno.test("upward() finds an import from a lower folder into a higher one", () => {
  const graph = new Map([
    ["lib/store/queue.ts", ["lib/run/failure_class.ts", "lib/util/clock.ts"]],
    ["lib/run/run_job.ts", ["lib/store/queue.ts", "lib/defaults.ts"]],
    ["lib/http/send.ts", ["lib/mod.ts"]],
  ]);
  assert.deepEqual(upward(graph), [
    "lib/store/queue.ts -> lib/run/failure_class.ts",
    "lib/http/send.ts -> lib/mod.ts",
  ]);
});

Deno.test("no module imports from a higher layer (util < store, http, rate, job < process < run < dashboard < cli)", async () => {
  assert.deepEqual(upward(await importGraph()), []);
});
