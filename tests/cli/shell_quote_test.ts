import assert from "node:assert/strict";
import { commandLine, shellQuote } from "../../cli/shell_quote.ts";

Deno.test("shellQuote() leaves plain words and quotes the rest so sh reads them back", async () => {
  const words = ["file:sluice.db", "my job", "it's", "$HOME", 'a"b', "", "naïve", "x;rm -rf /"];
  assert.equal(shellQuote("file:/tmp/a-b_c.db"), "file:/tmp/a-b_c.db");
  const script = `printf '%s\\n' ${words.map(shellQuote).join(" ")}`;
  const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
  assert.deepEqual(new TextDecoder().decode(out.stdout).split("\n").slice(0, -1), words);
});

Deno.test("commandLine() keeps the prefix as shell text and quotes each word", () => {
  assert.equal(
    commandLine("npx -y deno@2.9.6 task sluice", ["run", "q.jsonl", "--job", "job 'one'"]),
    "npx -y deno@2.9.6 task sluice run q.jsonl --job 'job '\\''one'\\'''",
  );
});
