/**
 * The README's examples run as written: the `sh` blocks of its Usage
 * section (before the first subsection) with the `sluice` command that
 * `deno task install` gives, in an empty folder, then the `sql` blocks of
 * "The database" over the database they made. Two liberties, said here:
 * the mock's port 8787 becomes a free one (tests run side by side), and
 * the SQL runs through @libsql/client (there is no `sluice sql` yet).
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { dirname } from "node:path";
import { CLONE_DIR } from "../../cli/launcher.ts";

/** The fenced blocks of one language in a piece of Markdown. */
function blocks(markdown: string, language: string): string[] {
  const found = [
    ...markdown.matchAll(new RegExp("^```" + language + "\\n([\\s\\S]*?)^```$", "gm")),
  ];
  return found.map((m) => m[1]!);
}

/** The text of a section, from its heading to the next heading of `until`'s level or above. */
function section(markdown: string, heading: string, until: RegExp): string {
  const start = markdown.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const rest = markdown.slice(start + heading.length);
  const end = rest.search(until);
  return end < 0 ? rest : rest.slice(0, end);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("the README's Usage and SQL examples run as written", async () => {
  const readme = await Deno.readTextFile(`${CLONE_DIR}/README.md`);
  // Usage's own text, before its first subsection (Dashboard, Input, ...).
  const usage = blocks(section(readme, "## Usage", /^#{2,3} /m), "sh");
  const sql = blocks(section(readme, "### The database", /^#{1,3} /m), "sql");
  assert.equal(usage.length, 1, "one sh block in Usage");
  assert.ok(sql.length >= 1, "an sql block in The database");

  const root = await Deno.makeTempDir({ prefix: "sluice_readme_root_" });
  const home = await Deno.makeTempDir({ prefix: "sluice_readme_" });
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["task", "install", "--root", root],
      cwd: CLONE_DIR,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));

    const script = usage[0]!.replaceAll("8787", String(freePort()));
    // Stop anything the block left in the background, however it ends.
    const guarded = `trap 'kill $(jobs -p) 2>/dev/null' EXIT\nset -e\n${script}`;
    const run = await new Deno.Command("bash", {
      args: ["-c", guarded],
      cwd: home,
      env: {
        PATH: `${root}/bin:${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`,
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    assert.match(new TextDecoder().decode(run.stdout), /^POST http:\/\/127\.0\.0\.1:\d+\/search$/m);
    assert.match(stderr, /^sluice: 2\/2 done, 0 failed, 0 pending in /m);
    const answers = (await Deno.readTextFile(`${home}/answers.jsonl`)).trim().split("\n");
    assert.equal(answers.length, 2);

    const client = createClient({ url: `file:${home}/sluice.db` });
    try {
      for (const block of sql) {
        for (const statement of block.split(/;\s*$/m).map((s) => s.trim()).filter(Boolean)) {
          const rows = (await client.execute(statement)).rows;
          assert.ok(rows.length > 0, `no rows from:\n${statement}`);
        }
      }
      const titles = await client.execute(sql[0]!.split(";")[0]!);
      assert.deepEqual(
        titles.rows.map((r) => [r.key, r.status, r.title]),
        [["1", 200, "Result 1 for apple pie"], ["2", 200, "Result 1 for pear tart"]],
      );
    } finally {
      client.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
