import assert from "node:assert/strict";
import { buildProgram } from "../../cli/program.ts";

function program() {
  return buildProgram({
    stop: new AbortController().signal,
    setExit: () => {},
    io: { log: () => {}, error: () => {} },
  });
}

function help(command: string): string {
  const found = program().commands.find((c) => c.name() === command);
  assert.ok(found, command);
  return found.helpInformation().replace(/\s+/g, " ");
}

Deno.test("buildProgram() shows the run defaults in --help as before", () => {
  const run = help("run");
  for (
    const text of [
      "none (default 10/s)",
      "above the rate (default 1)",
      "in flight at once (default 16)",
      "per-attempt timeout (default 30s)",
      "429s not counted (default 5)",
      "before an item fails (default 50)",
      "Retry-After honoured (default 5m)",
      "response body kept (default 10MB)",
      "backoff ceiling (default 500ms)",
      "final URL stored (default 10)",
      "pause the job (default 10, 0 = off)",
      "one probe request (default 10s)",
      "(default Idempotency-Key)",
      "in-flight requests (default 10s)",
      "renewed while running (default 60s)",
      "(default port 8788)",
      '(default: "file:sluice.db")',
    ]
  ) {
    assert.ok(run.includes(text), `run --help lacks "${text}"`);
  }
  assert.ok(help("plan").includes("per-attempt timeout (default 30s)"));
  assert.ok(help("mock").includes('(default: "8787")'));
  assert.ok(help("dashboard").includes('(default: "8788")'));
});

Deno.test("sluice dashboard --db takes a plain path like the other commands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_program_" });
  try {
    let code: number | undefined;
    const served: { hostname: string; port: number }[] = [];
    const program = buildProgram({
      stop: new AbortController().signal,
      setExit: (c) => code = c,
      io: { log: () => {}, error: () => {} },
      serve: (_app, { hostname, port }) => {
        served.push({ hostname, port });
        return { port: 1, finished: Promise.resolve() };
      },
    });
    await program.parseAsync(["dashboard", "--db", `${dir}/out.db`, "--port", "0"], {
      from: "user",
    });
    assert.equal(code, 0);
    assert.deepEqual(served, [{ hostname: "127.0.0.1", port: 0 }]);
    assert.ok((await Deno.stat(`${dir}/out.db`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
