import assert from "node:assert/strict";
import { buildProgram } from "../../cli/program.ts";
import { openStore } from "../../lib/store/store.ts";

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

/** The whole --help output, with the text added before and after the flags. */
function fullHelp(command: string): string {
  const found = program().commands.find((c) => c.name() === command);
  assert.ok(found, command);
  let out = "";
  found.configureOutput({ writeOut: (text) => out += text });
  found.outputHelp();
  return out.replace(/\s+/g, " ");
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
      "the last one fails it (default 50)",
      "Retry-After honoured (default 5m)",
      "response body kept (default 10MB)",
      "backoff ceiling (default 500ms)",
      "final URL stored (default 10)",
      "pause the job (default 10, 0 = off)",
      "one probe request (default 10s)",
      "(default Idempotency-Key)",
      "in-flight requests (default 10s)",
      "renewed while running (default 1m)",
      "(default port 8788)",
      "(default file:sluice.db)",
    ]
  ) {
    assert.ok(run.includes(text), `run --help lacks "${text}"`);
  }
  // plan lists only what a dry run uses (see below); its defaults read the same table.
  assert.ok(help("plan").includes("requests in flight at once (default 16)"));
  assert.ok(help("mock").includes("(default 8787)"));
  assert.ok(help("dashboard").includes("(default 8788)"));
});

Deno.test('buildProgram() writes every default one way in --help: (default X), never commander\'s (default: "X")', () => {
  for (const command of program().commands) {
    const text = help(command.name());
    assert.ok(!text.includes("(default:"), `${command.name()} --help: ${text}`);
    assert.ok(!text.includes("choices:"), `${command.name()} --help: ${text}`);
  }
  assert.ok(help("export").includes("output format (one of jsonl, csv; default jsonl)"));
});

Deno.test("buildProgram() gives run --help an example input, the resume rules and the exit codes", () => {
  const run = fullHelp("run");
  for (
    const text of [
      "Example input (queries.jsonl, one JSON object per line;",
      '{"id": "1", "q": "apple pie"}',
      "Resuming: run the same command again; nothing done is sent again.",
      "a different request or idempotency header is refused unless --replace-request",
      "Exit codes: 0 all done, 1 finished with failed items, 2 bad usage or input (nothing sent), 130 interrupted",
    ]
  ) {
    assert.ok(run.includes(text), `run --help lacks "${text}"`);
  }
});

Deno.test("buildProgram() lists in plan --help only the flags a dry run uses, and still accepts run's", async () => {
  const plan = help("plan");
  for (
    const flag of ["--url", "--method", "--header", "--body", "--rate", "--concurrency", "--show"]
  ) {
    assert.ok(plan.includes(flag), `plan --help lacks ${flag}`);
  }
  for (
    const flag of [
      "--timeout",
      "--max-attempts",
      "--burst",
      "--deadline",
      "--breaker-threshold",
      "--user-agent",
    ]
  ) {
    assert.ok(!plan.includes(flag), `plan --help lists ${flag}, which a dry run does not use`);
  }
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(file, '{"q":"a"}\n');
    let code: number | undefined;
    await buildProgram({
      stop: new AbortController().signal,
      setExit: (c) => code = c,
      io: { log: () => {}, error: () => {} },
    }).parseAsync(["plan", file, "--url", "http://127.0.0.1:1/?q={{q}}", "--timeout", "5s"], {
      from: "user",
    });
    assert.equal(code, 0);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("sluice dashboard --db takes a plain path like the other commands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_program_" });
  try {
    (await openStore(`file:${dir}/out.db`)).close();
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
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
