/**
 * The side-by-side part of `deno task bench` alone: every contender in the
 * four scenarios (Deno and node echo servers; 0 ms at 64 in flight, 20 ms at
 * 256), the rows judged from them (against the bare loop, fetch + store and
 * the seed's job), the side-by-side table and the CPU profiles. For a machine
 * too busy for the whole bench (its imports, 4M-item runs and dashboard tabs
 * take most of its time), or to check one change's rows quickly.
 *
 * Usage: `deno run --allow-all bench/side_by_side_rows.ts [--rounds 3] [--n 20000]`
 *
 * @module
 */
import { aiohttpVersion } from "./_contenders.ts";
import { limitsSection } from "./_limits.ts";
import { isRun, sideBySide } from "./_side_by_side.ts";
import { sideTable, type TableRow } from "./_table.ts";
import { fmt, type Judge, rssVsBareRow, scenarioRows } from "./_targets.ts";
import type { Run } from "./_contenders.ts";

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot parse --${name} as a positive integer: current value is '${args[at + 1]}'`,
    );
  }
  return value;
}

/** Runs the scenarios; returns the markdown. */
export async function sideBySideRows(
  args: string[],
  log: (line: string) => void,
): Promise<string> {
  const rounds = option(args, "rounds", 3);
  const n = option(args, "n", 20_000);
  const tmp = await Deno.makeTempDir({ prefix: "sluice-bench-" });
  const started = new Date();
  try {
    const results = await sideBySide({
      n,
      rounds,
      warmUp: 2_000,
      tmp,
      hasAiohttp: (await aiohttpVersion()) !== undefined,
      log,
    });
    const judge: Judge = (ok, limit) => ok ? "met" : `missed: ${limit}`;
    const rows: TableRow[] = results.flatMap((result) => scenarioRows(result, judge));
    rows.push(rssVsBareRow(results, judge));
    const deno = results.find((r) => r.scenario.id === "deno-0")!;
    const aio = deno.runs.aiohttp;
    const cells = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
    return [
      `Side by side, ${rounds} interleaved round(s) of ${fmt(n)} POSTs per scenario, from ${
        started.toISOString().slice(0, 16).replace("T", " ")
      } UTC (\`deno run --allow-all bench/side_by_side_rows.ts --rounds ${rounds} --n ${n}\`).`,
      "",
      "| figure | contenders | ratio | target | met? |",
      "| --- | --- | --- | --- | --- |",
      ...rows.map((row) =>
        `| ${
          [row.figure, row.contenders, row.ratio, row.target, row.status].map(cells).join(" | ")
        } |`
      ),
      "",
      sideTable(results),
      "",
      limitsSection({
        results,
        perSecond: {
          sluice: (deno.runs.sluice as Run).perSecond,
          bare: (deno.runs.bare as Run).perSecond,
          ...(isRun(aio) && !aio.error ? { aiohttp: aio.perSecond } : {}),
        },
      }),
      "",
    ].join("\n");
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const started = performance.now();
  const markdown = await sideBySideRows(Deno.args, (line) => {
    const at = ((performance.now() - started) / 1000).toFixed(0);
    Deno.stderr.writeSync(new TextEncoder().encode(`bench: [${at} s] ${line}\n`));
  });
  await Deno.stdout.write(new TextEncoder().encode(markdown));
}
