import assert from "node:assert/strict";
import { PERMISSIONS } from "../_sluice_process.ts";
import { type MockServer, serveMockApi } from "../../lib/mock/mock_server.ts";
import type { ServeMockOptions } from "../../lib/mock/mock_server.ts";
import { openStore } from "../../lib/store/store.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

const BODY = '{"q":"{{q}}"}';

/** Runs `main.ts` in a subprocess, in `cwd`. */
async function sluice(cwd: string, ...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1", npm_command: "", npm_lifecycle_event: "" }, // plain deno, even under npx
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** A temporary directory with a running mock API; both cleaned up after `fn`. */
async function withMock(
  options: ServeMockOptions,
  fn: (ctx: { dir: string; url: string; mock: MockServer }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "sluice_cli_" });
  const mock = serveMockApi({ port: 0, record: true, ...options });
  try {
    await fn({ dir, url: `http://127.0.0.1:${mock.port}/search`, mock });
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

function jsonl(rows: unknown[]): string {
  return rows.map((row) => JSON.stringify(row)).join("\n") + "\n";
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

interface Exported {
  key: string;
  state: string;
  status: number | null;
  attempts: number;
  error: string | null;
  vars: { q: string };
  body: { query?: string; error?: string } | null;
}

async function exported(dir: string, db: string): Promise<Exported[]> {
  const out = await sluice(dir, "export", "--db", db, "--format", "jsonl");
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim().split("\n").map((line) => JSON.parse(line));
}

async function status(dir: string, db: string) {
  const out = await sluice(dir, "status", "--db", db, "--json");
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout).jobs as Record<string, unknown>[];
}

Deno.test("sluice run sends each line once, exits 0, and status/export report every item", async () => {
  await withMock({}, async ({ dir, url, mock }) => {
    const queries = Array.from({ length: 25 }, (_, i) => ({ id: `id${i}`, q: `query ${i}` }));
    await Deno.writeTextFile(`${dir}/in.jsonl`, jsonl(queries));
    const db = `${dir}/f.db`;
    const args = ["in.jsonl", "--url", url, "--body", BODY, "--rate", "50/s"];
    const run = await sluice(dir, "run", ...args, "--concurrency", "16", "--db", db);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /25\/25 done, 0 failed/);
    // No fault asked for a retry: every key was sent, and served, exactly once.
    assert.equal(mock.api.stats.requests, 25);
    assert.equal(mock.api.keys.size, 25);
    assert.deepEqual(new Set(mock.api.keys.values()), new Set([1]));
    assert.deepEqual(new Set(mock.api.served.values()), new Set([1]));

    const [job, ...others] = await status(dir, db);
    assert.equal(others.length, 0);
    assert.deepEqual([job!.total, job!.done, job!.failed, job!.pending], [25, 25, 0, 0]);
    const rows = await exported(dir, db);
    assert.deepEqual(rows.map((r) => r.key), queries.map((q) => q.id));
    for (const [i, row] of rows.entries()) {
      assert.equal(row.status, 200);
      assert.equal(row.state, "done");
      assert.equal(row.body?.query, `query ${i}`);
    }

    // Resume: the same input and database again sends nothing more.
    const again = await sluice(dir, "run", ...args, "--concurrency", "16", "--db", db);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming job "in"/);
    assert.equal(mock.api.stats.requests, 25);
  });
});

Deno.test("sluice run with faults ends every item done or failed with its reason, exit 1", async () => {
  await withMock({ failRate: 0.4, seed: 7 }, async ({ dir, url, mock }) => {
    // Every fifth query is empty: the API answers 400, a permanent failure.
    const queries = Array.from(
      { length: 40 },
      (_, i) => ({ id: `i${i}`, q: i % 5 ? `q${i}` : "" }),
    );
    await Deno.writeTextFile(`${dir}/in.jsonl`, jsonl(queries));
    const run = await sluice(
      dir,
      "run",
      "in.jsonl",
      ...["--url", url, "--body", BODY, "--rate", "none", "--concurrency", "8"],
      ...["--max-attempts", "2", "--retry-base", "1ms", "--db", "f.db", "--quiet"],
    );
    assert.equal(run.code, 1, run.stderr);
    assert.ok(mock.api.stats.faults > 0);

    const rows = await exported(dir, "f.db");
    assert.equal(rows.length, 40);
    const gaveUp = /^http 50[0234] \(after 2 attempts\)$/;
    for (const row of rows) {
      if (row.state === "done") {
        assert.notEqual(row.vars.q, "");
        assert.equal(row.status, 200);
        assert.equal(row.body?.query, row.vars.q);
      } else if (row.error === "http 400") {
        // A permanent failure: failed at once, the API's answer kept for diagnosis.
        assert.deepEqual([row.vars.q, row.state, row.status], ["", "failed", 400]);
        assert.match(row.body?.error ?? "", /Missing "q"/);
      } else {
        assert.equal(row.state, "failed");
        assert.match(row.error!, gaveUp);
        assert.equal(row.attempts, 2);
      }
    }
    const count = (test: (r: Exported) => boolean) => rows.filter(test).length;
    assert.ok(count((r) => r.error === "http 400") > 0);
    // Every request the API saw is an attempt some item counted; none was served twice.
    assert.equal(mock.api.stats.requests, rows.reduce((n, r) => n + r.attempts, 0));
    assert.equal([...mock.api.served.values()].filter((n) => n > 1).length, 0);

    const [job] = await status(dir, "file:f.db");
    assert.deepEqual([job!.total, job!.pending, job!.inflight], [40, 0, 0]);
    assert.equal(job!.done, count((r) => r.state === "done"));
    assert.equal(job!.failed, count((r) => r.state === "failed"));
    assert.equal(
      (job!.failures as Record<string, number>)["http 400"],
      count((r) => r.error === "http 400"),
    );
  });
});

Deno.test("sluice run rejects bad input with exit 2, a located message, nothing sent, no database", async () => {
  await withMock({}, async ({ dir, url, mock }) => {
    const files: Record<string, string> = {
      "array.json": '[{"q":"a"},\n{"q": }]\n',
      "lines.jsonl": '{"q":"a"}\n{"q":"b"}\n{"q":"c"\n',
      "rows.csv": "q,n\na,1\nb,2,3\n",
      "quote.csv": 'q,n\na,1\n\n"b,2\nc,3\n',
      "missing.jsonl": '{"q":"a"}\n{"query":"b"}\n',
      "good.jsonl": '{"q":"a"}\n',
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const run = (input: string, ...flags: string[]) =>
      sluice(
        dir,
        "run",
        input,
        "--url",
        url,
        "--body",
        BODY,
        "--rate",
        "none",
        "--db",
        `${input}.db`,
        ...flags,
      );
    const cases: [Promise<{ code: number; stderr: string }>, RegExp, string][] = [
      [run("array.json"), /^sluice: error: array\.json:2: /, "array.json"],
      [run("lines.jsonl"), /^sluice: error: lines\.jsonl:3: /, "lines.jsonl"],
      [
        run("rows.csv"),
        /^sluice: error: rows\.csv:3: Cannot read row as the header's 2 fields: it has 3/,
        "rows.csv",
      ],
      [
        run("quote.csv"),
        /^sluice: error: quote\.csv:4: Cannot read row: a quote opened on this line is never closed/,
        "quote.csv",
      ],
      [
        run("missing.jsonl"),
        /^sluice: error: missing\.jsonl:2 \(field "q"\): query has no field "q"/,
        "missing.jsonl",
      ],
      [
        run("nope.jsonl"),
        /^sluice: error: nope\.jsonl: Cannot open input: file not found/,
        "nope.jsonl",
      ],
      [
        sluice(dir, "run", "good.jsonl", "--url", "not a url", "--db", "url.db"),
        /^sluice: error: Cannot parse url as a URL: current value is 'not a url'/,
        "url",
      ],
      [
        run("good.jsonl", "--rate", "fast"),
        /^sluice: error: Cannot parse rate .*current value is 'fast'/,
        "good.jsonl",
      ],
    ];
    for (const [pending, message, db] of cases) {
      const out = await pending;
      assert.equal(out.code, 2, `${db}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.equal(out.stderr.trim().split("\n").length, 1, out.stderr);
      assert.equal(await exists(`${dir}/${db}.db`), false, `${db}.db was left behind`);
    }
    assert.equal(mock.api.stats.requests, 0);
  });
});

Deno.test("sluice run on bad input leaves an existing database unchanged", async () => {
  await withMock({}, async ({ dir, url, mock }) => {
    await Deno.writeTextFile(`${dir}/good.jsonl`, '{"q":"a"}\n{"q":"b"}\n');
    await Deno.writeTextFile(`${dir}/bad.jsonl`, '{"q":"c"}\n{"q":"d"}\nnot json\n');
    const flags = ["--url", url, "--body", BODY, "--rate", "none", "--db", "f.db", "--quiet"];
    assert.equal((await sluice(dir, "run", "good.jsonl", ...flags)).code, 0);
    const sent = mock.api.stats.requests;
    const before = await status(dir, "f.db");
    for (const args of [["bad.jsonl"], ["bad.jsonl", "--job", "good", "--append"]]) {
      const out = await sluice(dir, "run", ...args, ...flags);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, /^sluice: error: bad\.jsonl:3: /);
    }
    const bad = await sluice(dir, "run", "good.jsonl", ...flags, "--job", "other", "--rate", "x");
    assert.equal(bad.code, 2, bad.stderr);
    assert.deepEqual(await status(dir, "f.db"), before);
    const store = await openStore(`file:${dir}/f.db`);
    try {
      const jobs = await store.jobs.list();
      assert.deepEqual([jobs.length, (await store.queue.counts(jobs[0]!.id)).total], [1, 2]);
    } finally {
      store.close();
    }
    assert.equal(mock.api.stats.requests, sent);
  });
});

Deno.test("sluice plan prints the first rendered requests and sends nothing", async () => {
  await withMock({}, async ({ dir, url, mock }) => {
    const queries = Array.from({ length: 5 }, (_, i) => ({ q: `q${i}` }));
    await Deno.writeTextFile(`${dir}/in.jsonl`, jsonl(queries));
    const out = await sluice(dir, "plan", "in.jsonl", "--url", url, "--body", BODY, "--show", "2");
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.split(`POST ${url}\n`).length - 1, 2);
    assert.match(out.stdout, /\{"q":"q0"\}\n/);
    assert.match(out.stdout, /\{"q":"q1"\}\n/);
    assert.doesNotMatch(out.stdout, /q2/);
    assert.match(out.stdout, /5 queries in in\.jsonl/);
    assert.equal(mock.api.stats.requests, 0);
    assert.equal(await exists(`${dir}/sluice.db`), false);
    const bad = await sluice(dir, "plan", "in.jsonl", "--url", url, "--body", '{"n":"{{n}}"}');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /in\.jsonl:1 \(field "n"\)/);
  });
});

Deno.test("sluice --help exits 0 and lists the commands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_cli_" });
  try {
    const help = await sluice(dir, "--help");
    assert.equal(help.code, 0, help.stderr);
    for (const command of ["run", "plan", "status", "export", "retry", "mock"]) {
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, "m"));
    }
    const runHelp = await sluice(dir, "run", "--help");
    assert.equal(runHelp.code, 0);
    assert.match(runHelp.stdout, /--rate <rate>/);
    const unknown = await sluice(dir, "frobnicate");
    assert.equal(unknown.code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sluice run and mock report flags the limiter refuses as bad input: exit 2, one line, no database", async () => {
  await withMock({}, async ({ dir, url, mock }) => {
    await Deno.writeTextFile(`${dir}/good.jsonl`, '{"q":"a"}\n');
    const cases: [string[], string][] = [
      [
        ["--breaker-cooldown", "10m"],
        "Cannot use breaker cooldown as a duration up to 300000 ms: current value is '600000'",
      ],
      [
        ["--rate", "0.5/day"],
        "Cannot keep a budget without a limit of at least 1 per window: current value is '0.5'",
      ],
    ];
    for (const [flags, message] of cases) {
      const out = await sluice(dir, "run", "good.jsonl", "--url", url, "--db", "p.db", ...flags);
      assert.equal(out.code, 2, out.stderr);
      assert.equal(out.stderr, `sluice: error: ${message}\n`);
      assert.equal(await exists(`${dir}/p.db`), false);
    }
    assert.equal(mock.api.stats.requests, 0);
    const badMock = await sluice(dir, "mock", "--port", "0", "--rate", "2.5");
    assert.equal(badMock.code, 2, badMock.stderr);
    assert.equal(
      badMock.stderr,
      "sluice: error: Cannot use 1-second windows as rate is not an integer: current value is 2.5\n",
    );
  });
});
