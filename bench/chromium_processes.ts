/**
 * Where Chromium's CPU goes while dashboard tabs stay open (the probe behind
 * bench/RESULTS.dashboard.md's per-process figures): a 200k-item
 * `sluice run --rate 3000/s --dashboard 0` against the bench's echo server,
 * `--tabs` tabs opened (the first in front, the others behind it), then every
 * Chromium process's CPU (from /proc) over `--seconds`, by process type.
 *
 * Usage: `deno run --allow-all bench/chromium_processes.ts [--tabs 5] [--seconds 20]`
 *
 * @module
 */
import { Chromium } from "./_chromium_tabs.ts";
import { sluiceArgs } from "./_contenders.ts";
import { startEchoServer, writeQueries } from "./_measure.ts";

/** CPU seconds of each Chromium process now, by pid, with its type (`renderer#8`, `gpu-process`…). */
async function chromiumProcesses(): Promise<Map<number, { type: string; cpu: number }>> {
  const found = new Map<number, { type: string; cpu: number }>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const command = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (!command.split(/[\0 ]/)[0]!.endsWith("/chromium")) continue; // its argv[0]
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const client = /--renderer-client-id=(\d+)/.exec(command)?.[1];
    const type = (/--type=([\w-]+)/.exec(command)?.[1] ?? "browser") + (client ? `#${client}` : "");
    found.set(Number(entry.name), { type, cpu: (Number(fields[11]) + Number(fields[12])) / 100 });
  }
  return found;
}

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(name);
  return at < 0 ? fallback : Number(Deno.args[at + 1]);
}

if (import.meta.main) {
  const tabs = flag("--tabs", 5);
  const seconds = flag("--seconds", 20);
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-chromium-" });
  const echo = await startEchoServer();
  const chromium = await Chromium.launch(`${tmp}/profile`);
  const input = `${tmp}/q.jsonl`;
  await writeQueries(input, 200_000);
  const { args } = sluiceArgs({ url: echo.url, tmp }, input, 64, `${tmp}/run.db`);
  args[args.indexOf("none")] = "3000/s"; // --rate: long enough a run to measure in
  const sluice = new Deno.Command(Deno.execPath(), {
    args: [...args, "--dashboard", "0"],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = sluice.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/dashboard on (http:\/\/\S+)/.test(text)) text += (await lines.read()).value ?? "";
  (async () => {
    while (!(await lines.read()).done) { /* drained */ }
  })();
  try {
    const opened = await chromium.openTabs(/dashboard on (http:\/\/\S+)/.exec(text)![1]!, tabs);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // past the tabs' first drawing
    const before = await chromiumProcesses();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await chromiumProcesses();
    const rows = [`| Chromium process | CPU-s over ${seconds} s |`, "| --- | --- |"];
    let total = 0;
    for (const [pid, { type, cpu }] of after) {
      const used = cpu - (before.get(pid)?.cpu ?? 0);
      total += used;
      if (used > 0) rows.push(`| ${type} | ${used.toFixed(2)} |`);
    }
    rows.push(`| all | ${total.toFixed(2)} |`, "");
    rows.push(`tabs: ${(await chromium.visibility(opened)).join(", ")}`, "");
    await Deno.stdout.write(new TextEncoder().encode(rows.join("\n")));
  } finally {
    sluice.kill();
    await sluice.status;
    await chromium.close();
    await echo.stop();
    await Deno.remove(tmp, { recursive: true });
  }
}
