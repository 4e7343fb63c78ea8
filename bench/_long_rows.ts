/**
 * The bench's long-running rows: restart to the first request on a big
 * database (through bench/restart.ts) and the whole 4M-item job (stopped at its
 * 8-minute target, issue 25), or, when the bench is told to skip that one, the last
 * figure measured and its date, read back from the previous bench/RESULTS.md.
 *
 * @module
 */
import { createClient } from "@libsql/client";
import { type Place, type Run, sluiceRun } from "./_contenders.ts";
import { wholeJobBullet } from "./_profile.ts";
import { rowId, type TableRow } from "./_table.ts";
import { figures, fmt, type Judge } from "./_targets.ts";
import { writeQueries } from "./_measure.ts";

/** The whole job's target, in minutes (issue 25: was 10 in issue 12, measured 9.6). */
export const WHOLE_JOB_MINUTES = 8;

/** The restart row: kill -9, then start again on `items` items, median of `restarts`. */
export async function restartRow(items: number, restarts: number, quick: boolean) {
  const base = {
    id: rowId("restart"),
    figure: `restart → first request sent, ${fmt(items)} items in the database (after a kill -9)`,
    ratio: "—",
    target: "< 1 s",
  };
  const url = new URL("./restart.ts", import.meta.url);
  try {
    const { measureRestart } = await import(url.href) as {
      measureRestart?: (
        items: number,
        restarts: number,
      ) => Promise<{ firstRequestMs: number; startLineMs: number; args: string[] }>;
    };
    if (!measureRestart) throw new Error("bench/restart.ts exports no measureRestart()");
    const r = await measureRestart(items, restarts);
    return {
      ...base,
      contenders: `${fmt(r.firstRequestMs)} ms (median; "resuming" line at ${
        fmt(r.startLineMs)
      } ms)`,
      status: quick ? "smoke-only" : r.firstRequestMs < 1000 ? "met" : "missed",
      command: [
        `deno task sluice ${
          r.args.join(" ").replace(/file:\S+/, "file:$TMP/restart.db")
        } (bench/restart.ts measureRestart)`,
      ],
    };
  } catch (error) {
    return {
      ...base,
      contenders: "unavailable",
      status: `unavailable: ${error instanceof Error ? error.message : String(error)}`,
      command: ["bench/restart.ts"],
    };
  }
}

/** What {@linkcode bigRunRows} needs. */
export interface BigRunOptions {
  /** Items of the big run (200k in the full bench). */
  items: number;
  /** The 20k-item sluice run of the Deno scenario. */
  small: Run;
  place: Place;
  judge: Judge;
}

/** Peak RSS of the small run, of a big run, and the growth between them. */
export async function bigRunRows({ items, small, place, judge }: BigRunOptions) {
  const input = `${place.tmp}/q${items}.jsonl`;
  await writeQueries(input, items);
  const big = await sluiceRun(place, input, items, 64, `${place.tmp}/big.db`);
  await Deno.remove(input).catch(() => {});
  const growth = (big.peakMb ?? NaN) / (small.peakMb ?? NaN);
  const failed = (run: Run) => run.error ? `failed: ${run.error}` : undefined;
  const heap = "the V8 heap plus libSQL's page cache (no heap profile taken)";
  const rows: TableRow[] = [
    {
      id: rowId("rss"),
      figure: `peak RSS of a whole run (${fmt(small.n)} items, import + send + store)`,
      contenders: `sluice ${fmt(small.peakMb ?? NaN)} MB (Deno server, 0 ms, c64)`,
      ratio: "—",
      target: "≤ 300 MB",
      status: failed(small) ?? judge((small.peakMb ?? Infinity) <= 300, heap),
      command: [small.command],
    },
    {
      id: rowId("rss-growth"),
      figure: `peak RSS, ${fmt(items)}-item run ÷ ${fmt(small.n)}-item run`,
      contenders: `${fmt(big.peakMb ?? NaN)} MB ÷ ${fmt(small.peakMb ?? NaN)} MB (the big run: ${
        figures(big)
      })`,
      ratio: `${fmt(growth, 2)}×`,
      target: "≤ 1.3×",
      status: failed(big) ?? judge(growth <= 1.3, heap),
      command: [big.command],
    },
    {
      id: rowId("rss-200k"),
      figure: `peak RSS of a ${fmt(items)}-item run (import + send + store)`,
      contenders: `${fmt(big.peakMb ?? NaN)} MB (${figures(big)})`,
      ratio: "—",
      target: "≤ 200 MB (for 200k items)",
      status: failed(big) ?? judge((big.peakMb ?? Infinity) <= 200, heap),
      command: [big.command],
    },
  ];
  return rows;
}

/** What {@linkcode wholeJobRow} needs. */
export interface WholeJobOptions {
  /** Items of the whole job; undefined in a quick run. */
  items: number | undefined;
  /** Run it now, or repeat the last figure of `previous` (the full bench takes too long). */
  skip: boolean;
  /** The previous RESULTS.md, for the last figure when skipped. */
  previous: string;
  place: Place;
  /** A JSONL file of `items` queries. */
  input: string;
  /** The 20k-item sluice run of the Deno scenario, for the limits bullet. */
  small: Run;
}

const FIGURE = `wall time of a 4,000,000-item run, --rate none, c64 (import included)`;
const TARGET = `< ${WHOLE_JOB_MINUTES} min`;

/** The whole-job row and, when missed, its limits bullet. */
export async function wholeJobRow(
  options: WholeJobOptions,
): Promise<{ row: TableRow; bullet?: string }> {
  const { items, skip, previous, place, input, small } = options;
  const id = rowId("full");
  if (items === undefined) {
    return {
      row: {
        id,
        figure: FIGURE,
        contenders: "not run: full bench only",
        ratio: "—",
        target: TARGET,
        status: "not run (--quick)",
        command: ["deno task bench"],
      },
    };
  }
  if (skip) {
    const last = previous.split("\n").find((line) => line.startsWith("| the whole job |"));
    const cells = last?.split(" | ") ?? [];
    const bullet = previous.split("\n").find((line) =>
      /^- (\(.*?\) )?\*\*the whole job/.test(line)
    );
    // A row that was itself carried over keeps its own figure and date.
    const carried = /^not re-run this time; last measured (\d{4}-\d\d-\d\d \d\d:\d\d UTC): (.*)$/
      .exec(cells[2] ?? "");
    const figure = carried?.[2] ?? cells[2] ?? "unknown";
    const date = carried?.[1] ??
      /Measured (\d{4}-\d\d-\d\d \d\d:\d\d UTC)/.exec(previous)?.[1] ?? "an unknown date";
    return {
      row: {
        id,
        figure: FIGURE,
        contenders: `not re-run this time; last measured ${date}: ${figure}`,
        ratio: "—",
        target: TARGET,
        status: `not re-run (last run: ${judgeText(figure)})`,
        command: [(cells[6] ?? "").replaceAll("`", "").replace(/ \|$/, "") || "deno task bench"],
      },
      // What limited it then, said then.
      ...(bullet
        ? { bullet: bullet.startsWith("- (") ? bullet : `- (${date}) ${bullet.slice(2)}` }
        : {}),
    };
  }
  // Stopped (SIGINT, a clean stop) at the target: past it the row is missed anyway,
  // and what it finished by then gives its rate.
  const db = `${place.tmp}/full.db`;
  const run = await sluiceRun(place, input, items, 64, db, WHOLE_JOB_MINUTES * 60_000);
  if (run.stopped) {
    const done = await countDone(db);
    const perSecond = (done / run.wallMs) * 1000;
    const projected = items / perSecond / 60;
    return {
      row: {
        id,
        figure: FIGURE.replace("4,000,000", fmt(items)),
        contenders: `not done after ${WHOLE_JOB_MINUTES} min (stopped with SIGINT): ${
          fmt(done)
        } of ${fmt(items)} items done, ${fmt(perSecond)} req/s (import included), ${
          fmt((run.cpuUsPerRequest * items) / done)
        } µs CPU/req, peak RSS ${fmt(run.peakMb ?? NaN)} MB; at that rate the whole job takes ${
          fmt(projected, 1)
        } min`,
        ratio: "—",
        target: TARGET,
        status: "missed (see below)",
        command: [run.command],
      },
      bullet: wholeJobBullet(items, perSecond, small.perSecond, small.n, WHOLE_JOB_MINUTES),
    };
  }
  const met = run.wallMs < WHOLE_JOB_MINUTES * 60_000;
  return {
    row: {
      id,
      figure: FIGURE.replace("4,000,000", fmt(items)),
      contenders: `${fmt(run.wallMs / 60_000, 1)} min (${fmt(run.perSecond)} req/s, ${
        fmt(run.cpuUsPerRequest)
      } µs CPU/req), peak RSS ${fmt(run.peakMb ?? NaN)} MB`,
      ratio: "—",
      target: TARGET,
      status: run.error ? `failed: ${run.error}` : met ? "met" : "missed (see below)",
      command: [run.command],
    },
    ...(!run.error && !met
      ? {
        bullet: wholeJobBullet(items, run.perSecond, small.perSecond, small.n, WHOLE_JOB_MINUTES),
      }
      : {}),
  };
}

/** Items done in a stopped run's database. */
async function countDone(db: string): Promise<number> {
  const client = createClient({ url: `file:${db}` });
  try {
    const rs = await client.execute("SELECT count(*) FROM items WHERE status = 'done'");
    return Number(rs.rows[0]?.[0] ?? NaN);
  } catch {
    return NaN;
  } finally {
    client.close();
  }
}

/** Whether a carried-over figure ("13.5 min (…)") meets the target. */
function judgeText(figure: string): string {
  const minutes = Number(/^(\d+(?:\.\d+)?) min/.exec(figure)?.[1] ?? NaN);
  if (!Number.isFinite(minutes)) return "unknown";
  return minutes < WHOLE_JOB_MINUTES ? "met" : "missed";
}
