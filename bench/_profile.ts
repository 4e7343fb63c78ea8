/**
 * Where a process spends its CPU: runs a contender once more under Deno's
 * `--cpu-prof` and attributes every sample to the first frame, from the leaf
 * up, that belongs to libSQL, to Deno's fetch, to sluice's own code, or to
 * start-up. The bench prints this beside a missed throughput target, so the
 * table says what limits it with figures, not guesses.
 *
 * @module
 */

/** CPU time per part of the process, in ms. */
export interface CpuShares {
  /** Sum of every sample, idle included. */
  totalMs: number;
  /** Waiting for I/O (the event loop had nothing to run). */
  idleMs: number;
  /** @libsql/client and the libsql native addon (runs on the JS thread). */
  libsqlMs: number;
  /** Deno's fetch: request objects, headers, body streams, its ops. */
  fetchMs: number;
  /** sluice's lib/, cli/ and main.ts (including the builtins they call directly). */
  sluiceMs: number;
  /** Garbage collection. */
  gcMs: number;
  /** Everything else: other runtime code, module loading, V8's own work. */
  otherMs: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Part = "libsql" | "fetch" | "sluice";

function partOf(url: string, root: string): Part | undefined {
  if (url.includes("/libsql/") || url.includes("/@libsql/")) return "libsql";
  if (url.startsWith("ext:deno_fetch")) return "fetch";
  if (
    url.startsWith(`file://${root}lib/`) || url.startsWith(`file://${root}cli/`) ||
    url === `file://${root}main.ts`
  ) return "sluice";
  return undefined;
}

/**
 * Attributes the samples of a `.cpuprofile`; `root` is the checkout's path
 * (ending in `/`), whose `lib/`, `cli/` and `main.ts` count as sluice's own code.
 */
export function cpuShares(profile: CpuProfile, root: string): CpuShares {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const perNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const shares: CpuShares = {
    totalMs: 0,
    idleMs: 0,
    libsqlMs: 0,
    fetchMs: 0,
    sluiceMs: 0,
    gcMs: 0,
    otherMs: 0,
  };
  for (const [id, micros] of perNode) {
    const ms = micros / 1000;
    shares.totalMs += ms;
    const leaf = byId.get(id)?.callFrame.functionName;
    if (leaf === "(idle)") {
      shares.idleMs += ms;
      continue;
    }
    if (leaf === "(garbage collector)") {
      shares.gcMs += ms;
      continue;
    }
    let part: Part | undefined;
    for (let at: number | undefined = id; at !== undefined && !part; at = parent.get(at)) {
      part = partOf(byId.get(at)?.callFrame.url ?? "", root);
    }
    if (part === "libsql") shares.libsqlMs += ms;
    else if (part === "fetch") shares.fetchMs += ms;
    else if (part === "sluice") shares.sluiceMs += ms;
    else shares.otherMs += ms;
  }
  return shares;
}

/**
 * Runs `deno <args…>` once with `--cpu-prof` (the flag goes right after `run`)
 * and returns its shares, or the reason it could not.
 */
export async function profileDeno(
  args: string[],
  root: string,
): Promise<CpuShares | { error: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-bench-prof-" });
  try {
    const [run, ...rest] = args;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [run!, "--cpu-prof", `--cpu-prof-dir=${dir}`, ...rest],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      return { error: `exit ${out.code}: ${new TextDecoder().decode(out.stderr).slice(-200)}` };
    }
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".cpuprofile")) continue;
      const profile = JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}`)) as CpuProfile;
      return cpuShares(profile, root);
    }
    return { error: "no .cpuprofile written" };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Milliseconds, rounded, with thousands separators. */
export const ms = (x: number): string => `${Math.round(x).toLocaleString("en-US")} ms`;

/** The limits bullet of a missed import target, from a profile of one more import. */
export function importBullet(shares: CpuShares | { error: string }, perSecond: number): string {
  const rate = `${Math.round(perSecond).toLocaleString("en-US")} queries/s`;
  if ("error" in shares) {
    return `- **import (target 150,000/s):** ${rate}; CPU profile unavailable: ${shares.error}`;
  }
  return `- **import (target 150,000/s):** ${rate}. One more import of the same file under \`--cpu-prof\`: busy ${
    ms(shares.totalMs - shares.idleMs)
  }, of which libSQL ${
    ms(shares.libsqlMs)
  } (the multi-row \`INSERT … SELECT … FROM json_each(?)\` and its (job, key) unique index), sluice's own code ${
    ms(shares.sluiceMs)
  } (reading JSONL, checking template fields, hashing keys), garbage collection ${
    ms(shares.gcMs)
  }, other ${ms(shares.otherMs)}; idle ${ms(shares.idleMs)}.`;
}

/**
 * The limits bullet of a missed whole-job target (`minutes`): the rate it
 * needed beside the rate of the whole job and of the smaller end-to-end runs.
 */
export function wholeJobBullet(
  items: number,
  perSecond: number,
  smallPerSecond: number,
  smallItems: number,
  minutes: number,
): string {
  const rate = (x: number) => `${Math.round(x).toLocaleString("en-US")} req/s`;
  const needed = items / (minutes * 60);
  const small = `the ${rate(smallPerSecond)} of the ${
    smallItems.toLocaleString("en-US")
  }-item runs above`;
  return `- **the whole job (target < ${minutes} min):** it ran at ${
    rate(perSecond)
  }; ${minutes} min needs ${rate(needed)} end to end, ` + (smallPerSecond < needed
    ? `more than ${small}: the same per-request bookkeeping (profiled above) sets its pace.`
    : `no more than ${small}: the big run is slower per request than the small ones (not profiled here).`);
}
