/**
 * The README's "Process your answers" examples run as written: its `sh`
 * blocks in an empty folder against the built-in mock (port 8787 swapped
 * for a free one), with `sluice` as `deno run main.ts`, then its processor
 * module, written to a file, through `sluice process`.
 */
import assert from "node:assert/strict";
import { fromFileUrl } from "../../lib/util/from_file_url.ts";
import { commandLine } from "../../cli/shell_quote.ts";
import { MAIN, PERMISSIONS } from "../_sluice_process.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** The fenced blocks of `language` in the section under `heading`. */
function blocks(heading: string, language: string): string[] {
  const start = README.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `no section ${heading}`);
  const rest = README.slice(start + heading.length);
  const end = rest.search(/^#{1,3} /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(new RegExp("^```" + language + "[^\\n]*\\n([\\s\\S]*?)^```$", "gm"))]
    .map((m) => m[1]!);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("the README's Process your answers examples run as written", async () => {
  const sh = blocks("### Process your answers", "sh");
  const [processor] = blocks("### Process your answers", "ts");
  assert.equal(sh.length, 2);
  assert.ok(processor);
  const home = await Deno.makeTempDir({ prefix: "sluice_process_readme_" });
  try {
    const mod = fromFileUrl(new URL("../../lib/mod.ts", import.meta.url));
    await Deno.writeTextFile(`${home}/processor.ts`, processor.replace("./sluice/lib/mod.ts", mod));
    const port = String(freePort());
    const sluice = commandLine(Deno.execPath(), ["run", ...PERMISSIONS, MAIN]);
    const script = [
      `sluice() { ${sluice} "$@"; }`,
      "trap 'kill $(jobs -p) 2>/dev/null' EXIT",
      "set -e",
      // Not through the function: the background job is the mock itself, which the trap stops.
      `${sluice} mock --port ${port} &`,
      `printf '%s\\n' '{"id":"1","q":"apple pie"}' '{"id":"2","q":"pear tart"}' > queries.jsonl`,
      `for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && break; sleep 0.1; done`,
      sh[0]!.replaceAll("8787", port),
      "echo '-- processed again'",
      sh[1]!,
      "sluice process --db file:hits.db --processor processor.ts --quiet",
      `sluice sql --db file:hits.db "SELECT count(*) AS n, count(q) AS with_q FROM hits"`,
    ].join("\n");
    const run = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: home,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    const [first, last] = stdout.split("-- processed again\n");
    assert.match(first!, /^q,rank,title\napple pie,1,Result 1 for apple pie\n/);
    assert.match(stderr, /2 answers processed: 2 into the tables, 0 failed/);
    // The processor replaced each row by key, and left q as the SQL wrote it.
    const rows = Number(first!.trim().split("\n").length - 1);
    assert.equal(last, `n,with_q\n${rows},0\n`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
