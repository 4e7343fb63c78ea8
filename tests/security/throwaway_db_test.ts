/**
 * A database that keeps nothing (`--db ""` from an unset variable, `file:`,
 * `:memory:` and their other spellings) is refused by every command that
 * keeps or reads one: exit 2 naming --db, nothing sent, nothing created. A
 * missing database file is "no database at …" for the commands that read,
 * the dashboard included, and is not created.
 */
import assert from "node:assert/strict";
import { reportError } from "../../cli/main.ts";
import { buildProgram } from "../../cli/program.ts";
import { filesIn, inTempDir, sluice, withOkServer, writeJsonl } from "./_cli.ts";

const THROWAWAY = [
  "",
  "file:",
  "file://",
  ":memory:",
  "file::memory:",
  "file:%3Amemory%3A",
  "file:?mode=memory",
  "file::memory:?cache=shared",
];

/** The commands that read a database, with what else they need. */
const READERS = [
  ["status"],
  ["export"],
  ["process", "--into", "SELECT 1"],
  ["sql", "SELECT 1"],
  ["retry"],
  ["dashboard", "--port", "0"],
];

/** `sluice <args>` in this process, as main() runs it; the exit code and what it printed. */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const io = { log: () => {}, error: (line: string) => lines.push(line) };
  let code = 0;
  const program = buildProgram({
    stop: AbortSignal.abort(),
    setExit: (c) => code = c,
    io,
    serve: () => ({ port: 1, finished: Promise.resolve() }),
  });
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    code = reportError(error, io);
  }
  return { code, stderr: lines.join("\n") };
}

Deno.test("every command refuses a --db that keeps nothing: exit 2, naming --db, nothing sent", async () => {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }, { q: "b" }]);
    const run = ["run", `${dir}/q.jsonl`, "--url", `${server.origin}/s?q={{q}}`, "--quiet"];
    const commands = [run, ...READERS];
    for (const db of THROWAWAY) {
      for (const command of commands) {
        const { code, stderr } = await inProcess([...command, "--db", db]);
        const what = `sluice ${command.join(" ")} --db '${db}'`;
        assert.equal(code, 2, `${what}: ${stderr}`);
        assert.match(
          stderr,
          new RegExp(`^sluice: error: Cannot use --db '${RegExp.escape(db)}' as the database: `),
          what,
        );
      }
    }
    assert.deepEqual(server.requests, [], "nothing was sent");
  });
});

Deno.test('sluice run --db "$UNSET" is exit 2 before anything is created or sent', async () => {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
    const run = await sluice(dir, ["run", "q.jsonl", "--url", `${server.origin}/s`, "--db", ""]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^sluice: error: Cannot use --db '' as the database: an empty path/);
    assert.deepEqual(server.requests, []);
    assert.deepEqual(await filesIn(dir), ["q.jsonl"]);
  });
});

Deno.test("the commands that read a database say there is none, and create none", async () => {
  await inTempDir(async (dir) => {
    const db = `${dir}/none.db`;
    for (const command of READERS) {
      const { code, stderr } = await inProcess([...command, "--db", db]);
      assert.equal(code, 2, `${command.join(" ")}: ${stderr}`);
      assert.equal(stderr, `sluice: error: No database at ${db}`, command.join(" "));
      await assert.rejects(Deno.stat(db), Deno.errors.NotFound, `${command.join(" ")} created it`);
    }
  });
});

Deno.test("every command refuses a --db it cannot open (a folder, a missing folder, another scheme, no server, not a database): exit 2, nothing sent or changed", async () => {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
    const input = await Deno.readTextFile(`${dir}/q.jsonl`);
    const run = ["run", `${dir}/q.jsonl`, "--url", `${server.origin}/s?q={{q}}`, "--quiet"];
    const cases: [string, RegExp][] = [
      [dir, /^sluice: error: Cannot use --db '.*' as the database: .* is a folder/],
      [`file:${dir}/`, /is a folder/],
      [`${dir}/missing/x.db`, /: there is no folder .*\/missing;/],
      [`${dir}/q.jsonl/x.db`, /q\.jsonl is not a folder/],
      ["postgres://127.0.0.1/x", /libSQL opens file:, libsql:.* URLs, not postgres:/],
      ["libsql://", /names no server/],
      // The input given as the database by mistake: left as it was.
      [
        `${dir}/q.jsonl`,
        /^sluice: error: Cannot use file:.*q\.jsonl as the database: the file is not a SQLite database/,
      ],
    ];
    for (const [db, message] of cases) {
      for (const command of [run, ...READERS]) {
        const { code, stderr } = await inProcess([...command, "--db", db]);
        const what = `sluice ${command.join(" ")} --db '${db}'`;
        assert.equal(code, 2, `${what}: ${stderr}`);
        assert.match(stderr, message, what);
        assert.doesNotMatch(stderr, /run the same command again/, what);
      }
    }
    assert.deepEqual(server.requests, [], "nothing was sent");
    assert.equal(await Deno.readTextFile(`${dir}/q.jsonl`), input);
    assert.deepEqual(await filesIn(dir), ["q.jsonl"]);
  });
});

Deno.test("sluice run refuses an empty --job (an unset $JOB) or one with control characters: exit 2, nothing sent or created", async () => {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
    const cases: [string, RegExp][] = [
      [
        "",
        /^sluice: error: Cannot use --job "" as a job name: it is empty \(is a variable unset\?\)/,
      ],
      ["  ", /it is empty/],
      [
        "a\nb",
        /^sluice: error: Cannot use --job "a\\nb" as a job name: it holds a control character/,
      ],
      ["\u001b[31mred", /Cannot use --job "\\u001b\[31mred" as a job name: it holds a control/],
    ];
    for (const [job, message] of cases) {
      const args = ["run", "q.jsonl", "--url", `${server.origin}/s`, "--job", job];
      const run = await sluice(dir, [...args, "--db", `${dir}/s.db`]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.ok(!run.stderr.includes("\u001b"), "no escape printed");
    }
    assert.deepEqual(server.requests, []);
    assert.deepEqual(await filesIn(dir), ["q.jsonl"]);
  });
});

Deno.test('every command (demo too) refuses a --db of white space or with white space around it (--db " "): exit 2 naming --db, nothing sent or created', async () => {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
    const url = `${server.origin}/s?q={{q}}`;
    // In the folder itself: a run on `--db " "` made a file named " " there.
    const run = await sluice(dir, ["run", "q.jsonl", "--url", url, "--db", " "]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^sluice: error: Cannot use --db ' ' as the database: it is only white space/,
    );
    const cases: [string, RegExp][] = [
      ["\t", /: it is only white space \(is a variable unset\?\)/],
      [`${dir}/s.db `, /: it begins or ends with white space \(a typo\?\)/],
      [`file:${dir}/s.db\n`, /: it begins or ends with white space/],
      [`file: ${dir}/s.db`, /: it begins or ends with white space/],
    ];
    const runArgs = ["run", `${dir}/q.jsonl`, "--url", url, "--quiet"];
    for (const [db, message] of cases) {
      // demo too: it may run on :memory:, but not on a name a slip of white space made.
      for (const command of [runArgs, ...READERS, ["demo"]]) {
        const { code, stderr } = await inProcess([...command, "--db", db]);
        const what = `sluice ${command.join(" ")} --db '${db}'`;
        assert.equal(code, 2, `${what}: ${stderr}`);
        assert.match(stderr, /^sluice: error: Cannot use --db '[^]*' as the database: /, what);
        assert.match(stderr, message, what);
      }
    }
    assert.deepEqual(server.requests, [], "nothing was sent");
    assert.deepEqual(await filesIn(dir), ["q.jsonl"]);
  });
});
