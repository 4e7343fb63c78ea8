/**
 * What limits a missed target, from the CPU profiles of the side-by-side
 * scenarios: the profile table (bare loop and sluice, part by part, in every
 * scenario) and the one-line note a missed row carries.
 *
 * @module
 */
import { type CpuShares, ms } from "./_profile.ts";
import type { ScenarioResult } from "./_side_by_side.ts";

const busy = (s: CpuShares) => s.totalMs - s.idleMs;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${ms(Math.abs(x))}`;

/**
 * Where sluice's extra CPU goes beside another process's (`other`, named
 * `name` and holding no libSQL when `bare`), from their profiles.
 */
function busyNote(
  n: number,
  sluice: CpuShares | { error: string },
  other: CpuShares | { error: string },
  name: string,
): string {
  if ("error" in other) return `CPU profile unavailable: ${other.error}`;
  if ("error" in sluice) return `CPU profile unavailable: ${sluice.error}`;
  return `per ${n.toLocaleString("en-US")} requests sluice's JS thread is busy ${
    ms(busy(sluice))
  } vs ${name} ${ms(busy(other))}: libSQL ${
    other.libsqlMs === 0 ? ms(sluice.libsqlMs) : signed(sluice.libsqlMs - other.libsqlMs)
  }, sluice's own code ${ms(sluice.sluiceMs)}, fetch ${
    signed(sluice.fetchMs - other.fetchMs)
  }, GC ${signed(sluice.gcMs - other.gcMs)}, other ${
    signed(sluice.otherMs - other.otherMs)
  }; idle ${signed(sluice.idleMs - other.idleMs)}`;
}

/**
 * Where sluice's extra CPU goes in one scenario, beside the bare loop's, from
 * its profiles: what a missed CPU or throughput row says limits it.
 */
export function limitNote({ n, profiles }: ScenarioResult): string {
  return busyNote(n, profiles.sluice, profiles.bare, "the bare loop's");
}

/**
 * Where sluice's extra CPU goes beside the fetch + store script's (issue 25),
 * from their profiles: what a missed row against the job's limit says limits it.
 */
export function storeNote({ n, profiles }: ScenarioResult): string {
  return busyNote(n, profiles.sluice, profiles.store, "fetch + store's");
}

/** What the limits section is made from. */
export interface LimitsInput {
  results: ScenarioResult[];
  /** Requests/s of the bare loop and of aiohttp + gather against the Deno server. */
  perSecond: { sluice: number; bare: number; aiohttp?: number };
}

/**
 * The markdown section saying, with the profiles' figures, what holds sluice
 * below the targets: its CPU time beside the bare loop's, part by part, in
 * every scenario.
 */
export function limitsSection({ results, perSecond }: LimitsInput): string {
  const row = (scenario: string, name: string, s: CpuShares | { error: string }) =>
    "error" in s
      ? `| ${scenario} | ${name} | unavailable: ${
        s.error.replaceAll("|", "\\|").replaceAll("\n", " ")
      } |${" — |".repeat(7)}`
      : `| ${scenario} | ${name} | ${ms(s.totalMs)} | ${ms(busy(s))} | ${ms(s.libsqlMs)} | ${
        ms(s.fetchMs)
      } | ${ms(s.sluiceMs)} | ${ms(s.gcMs)} | ${ms(s.otherMs)} | ${ms(s.idleMs)} |`;
  const n = results[0]?.n ?? 0;
  const lines = [
    `CPU profiles (\`deno run --cpu-prof\`) of one more run of the bare loop, of the fetch + store script (@libsql/client) and of sluice in each scenario, ${
      n.toLocaleString("en-US")
    } POSTs, the same commands as the side-by-side table. Each sample goes to the first frame, from the leaf up, in libSQL (@libsql/client and its native addon), Deno's fetch, or sluice's own code (lib/, cli/, main.ts); start-up, module loading and other runtime code are "other". The profiler sees the JS thread only: CPU per request above also counts Deno's other threads (HTTP I/O, V8's helpers).`,
    "",
    "| scenario | process | profiled | busy (not idle) | libSQL | fetch | sluice's code | GC | other | idle |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { scenario, profiles } of results) {
    lines.push(row(scenario.label, "bare Deno fetch loop", profiles.bare));
    lines.push(row(scenario.label, "fetch + store", profiles.store));
    lines.push(row(scenario.label, "sluice run", profiles.sluice));
  }
  lines.push("");
  for (const result of results) {
    lines.push(`- **${result.scenario.label}:** ${limitNote(result)}.`);
    lines.push(`- **${result.scenario.label}, against fetch + store:** ${storeNote(result)}.`);
  }
  lines.push(
    "- Each client runs its JS on one thread while the echo server takes the machine's other core; the extra busy time is the bookkeeping that stores each answer durably (claims, result transactions, the import), which the bare loop does not do.",
  );
  if (perSecond.aiohttp !== undefined && perSecond.aiohttp > 0) {
    const ceiling = perSecond.bare / perSecond.aiohttp;
    const head =
      `- **vs aiohttp + gather (target 3×, Deno server):** on this machine the bare Deno fetch loop itself does ${
        ceiling.toFixed(2)
      }× the aiohttp script, so 3× needs sluice at ${
        (3 / ceiling).toFixed(2)
      }× the runtime's own client`;
    if (ceiling < 3) lines.push(`${head}, faster than fetch can go.`);
    else if (perSecond.sluice / perSecond.aiohttp < 3) {
      lines.push(
        `${head}; it reached ${
          (perSecond.sluice / perSecond.bare).toFixed(2)
        }×, held back by the same bookkeeping.`,
      );
    }
  }
  return lines.join("\n");
}
