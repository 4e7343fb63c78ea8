import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url);
const CLI = new URL("../../cli/", import.meta.url).href;

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The modules `main.ts` loads before any command runs: its static imports, not `import()`. */
async function loadedAtStart(): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MAIN.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { modules } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: InfoModule[];
  };
  const bySpecifier = new Map(modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const todo = [MAIN.href];
  while (todo.length > 0) {
    const specifier = todo.pop()!;
    if (loaded.has(specifier)) continue;
    loaded.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) todo.push(dep.code.specifier);
    }
  }
  return loaded;
}

Deno.test("a command's modules load when it runs: sluice run starts without the others'", async () => {
  const loaded = await loadedAtStart();
  // The run's own module, and the SQL table printer's (string-width: ~50 ms at each start).
  for (const file of ["run.ts", "sql.ts", "format_rows.ts", "status.ts", "mock.ts"]) {
    assert.ok(!loaded.has(`${CLI}${file}`), `cli/${file} is loaded at start`);
  }
  assert.ok(![...loaded].some((s) => s.includes("string-width")), "string-width loaded at start");
  assert.ok(loaded.has(`${CLI}program.ts`));
});

Deno.test("the count formatter is made on first use, not when its module loads", async () => {
  // ICU's number formatting costs ~30 ms to set up: a run that prints no count never pays it.
  const format = new URL("../../lib/dashboard/format.ts", import.meta.url).href;
  const script = `
    let made = 0;
    const Real = Intl.NumberFormat;
    Intl.NumberFormat = function (...args) { made++; return new Real(...args); };
    const { formatCount } = await import(${JSON.stringify(format)});
    const before = made;
    const text = formatCount(1234567);
    console.log(JSON.stringify({ before, after: made, text }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const seen = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(seen, { before: 0, after: 1, text: "1,234,567" });
});
