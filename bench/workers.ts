/**
 * Combined throughput of `sluice run --workers N` (1, 2 and 4 worker
 * processes on one file database) against an unlimited local echo server,
 * with the CPU µs per request of the whole process tree (the parent and its
 * workers: GNU time's rusage counts the children the parent waited for).
 * Prints a markdown table, every row with its command, and writes it to
 * bench/RESULTS.workers.md (or `--out FILE`).
 *
 * Usage: `deno task bench:workers [--items 20000] [--concurrency 64] [--out FILE]`
 *
 * @module
 */
import { measure, startEchoServer, writeQueries } from "./_measure.ts";
import { ROOT, SLUICE_PERMISSIONS } from "./_contenders.ts";

function option(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] ?? fallback : fallback;
}

const items = Number(option("items", "20000"));
const concurrency = Number(option("concurrency", "64"));
const out = option("out", new URL("./RESULTS.workers.md", import.meta.url).pathname);
const counts = [1, 2, 4];

const dir = await Deno.makeTempDir({ prefix: "sluice-bench-workers-" });
const input = `${dir}/queries.jsonl`;
await writeQueries(input, items);
const server = await startEchoServer({ kind: "deno" });
const lines = [
  `| workers | items | wall s | req/s | CPU µs per request (all processes) | peak RSS of the largest process | command |`,
  `| ---: | ---: | ---: | ---: | ---: | ---: | --- |`,
];
try {
  for (const workers of counts) {
    const db = `${dir}/workers-${workers}.db`;
    const sluice = [
      "run",
      input,
      "--url",
      server.url,
      "--body",
      '{"q":"{{q}}"}',
      "--rate",
      "none",
      "--concurrency",
      String(concurrency),
      "--db",
      `file:${db}`,
      "--workers",
      String(workers),
    ];
    const m = await measure(Deno.execPath(), [
      "run",
      ...SLUICE_PERMISSIONS,
      `${ROOT}main.ts`,
      ...sluice,
    ]);
    if (m.code !== 0) {
      throw new Error(`--workers ${workers} exited ${m.code}: ${m.stderr.slice(-400)}`);
    }
    const seconds = m.wallMs / 1000;
    const cpu = m.cpuMs === undefined
      ? "—"
      : Math.round((m.cpuMs * 1000) / items).toLocaleString("en");
    const rss = m.peakMb === undefined ? "—" : `${Math.round(m.peakMb)} MB`;
    const command = `deno task sluice ${
      sluice.map((a) => /[^\w/.:=-]/.test(a) ? `'${a}'` : a).join(" ")
    }`.replace(input, "queries.jsonl").replace(`file:${db}`, "file:w.db");
    lines.push(
      `| ${workers} | ${items.toLocaleString("en")} | ${seconds.toFixed(1)} | ${
        Math.round(items / seconds).toLocaleString("en")
      } | ${cpu} | ${rss} | \`${command}\` |`,
    );
    // deno-lint-ignore no-console
    console.error(lines.at(-1));
  }
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
const table = [
  `# sluice --workers: combined throughput`,
  "",
  `Measured ${
    new Date().toISOString().slice(0, 16).replace("T", " ")
  } UTC on ${navigator.hardwareConcurrency} cores, ` +
  `Deno ${Deno.version.deno}, against bench/echo_server.ts (unlimited, 127.0.0.1), ` +
  `one file database, ${concurrency} in flight per worker, import included. ` +
  `Wall time and peak RSS as GNU time reports them for the parent; CPU is user + sys of the ` +
  `parent and every worker.`,
  "",
  ...lines,
  "",
].join("\n");
await Deno.writeTextFile(out, table);
// deno-lint-ignore no-console
console.log(table);
