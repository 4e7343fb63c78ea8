/**
 * sluice's own cost per item with no server (issue 25): `run()` in this
 * process over `--n` queries, 64 in flight, `--rate none`, a file database,
 * with a fetch that answers every request of an event-loop tick together
 * (as one poll of the network would), beside the fetch + store loop
 * (bench/fetch_store.ts's, @libsql/client, 1,000 answers per batch) with the
 * same fetch. Nothing else shares the process's CPU, so the difference is
 * sluice's bookkeeping alone; run it under `--cpu-prof` for its split.
 *
 * Usage: `deno run --allow-all bench/in_process.ts [--n 20000] [--only sluice|store]`.
 * Prints one JSON line: CPU µs per item (user + system) and wall µs per item.
 *
 * @module
 */
import process from "node:process";
import { createClient } from "../lib/deps.ts";
import { run } from "../lib/run/run.ts";

const HEADERS = {
  "content-type": "application/json",
  date: "Mon, 07 Dec 2026 22:00:00 GMT",
  connection: "keep-alive",
  "keep-alive": "timeout=5",
  "content-length": "30",
};
const INSERT = "INSERT INTO answers (key, status, body, at) VALUES (?, ?, ?, ?)";

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function option(name: string): string | undefined {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

let tick: Promise<void> | undefined;
/** Resolves on the next timer turn; every caller of one turn together. */
const nextTick = () =>
  tick ??= new Promise<void>((resolve) =>
    setTimeout(() => {
      tick = undefined;
      resolve();
    }, 0)
  );

/** Echoes the request's body, answered with the other requests of its tick. */
const echo: typeof fetch = async (_input, init) => {
  const body = typeof init?.body === "string" ? init.body : "";
  await nextTick();
  return new Response(`{"echo":${body}}`, { status: 200, headers: HEADERS });
};

async function measured(work: () => Promise<void>, n: number) {
  const cpu = cpuMs();
  const wall = performance.now();
  await work();
  const us = (ms: number) => Math.round((ms * 10_000) / n) / 10;
  return { cpuUs: us(cpuMs() - cpu), wallUs: us(performance.now() - wall) };
}

/** sluice's run over `queries`. */
async function sluice(dir: string, queries: { id: number; q: string }[]): Promise<void> {
  const summary = await run({
    queries,
    request: { url: "http://127.0.0.1:9/echo", method: "POST", body: '{"q":"{{q}}"}' },
    db: `file:${dir}/sluice.db`,
    rate: "none",
    concurrency: 64,
    fetch: echo,
  });
  if (summary.counts.done !== queries.length) throw new Error("not every query was answered");
}

/** The fetch + store loop's work over `queries`. */
async function fetchStore(dir: string, queries: { id: number; q: string }[]): Promise<void> {
  const client = createClient({ url: `file:${dir}/store.db` });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("CREATE TABLE answers (key TEXT NOT NULL, status INTEGER, body TEXT, at)");
  let buffer: [string, number, string, number][] = [];
  let writing = Promise.resolve();
  const flush = () => {
    const rows = buffer;
    buffer = [];
    writing = writing.then(async () => {
      await client.batch(rows.map((args) => ({ sql: INSERT, args })), "write");
    });
  };
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const { id, q } = queries[next++]!;
      const response = await echo("http://127.0.0.1:9/echo", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ q }),
      });
      buffer.push([String(id), response.status, await response.text(), Date.now()]);
      if (buffer.length >= 1000) flush();
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  flush();
  await writing;
  client.close();
}

if (import.meta.main) {
  const n = Number(option("n") ?? 20_000);
  const only = option("only");
  const queries = Array.from({ length: n }, (_, i) => ({ id: i, q: `query ${i}` }));
  const dir = await Deno.makeTempDir({ prefix: "sluice-in-process-" });
  try {
    const result: Record<string, unknown> = { n };
    if (only !== "store") result.sluice = await measured(() => sluice(dir, queries), n);
    if (only !== "sluice") result.fetchStore = await measured(() => fetchStore(dir, queries), n);
    // deno-lint-ignore no-console
    console.log(JSON.stringify(result));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
