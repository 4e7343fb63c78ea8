/**
 * The store's share of an answer alone, in process, no HTTP (issue 25): CPU
 * µs per answer of sluice's queue (import in one statement, claims of
 * 1,024, result writes in groups of `--group`, the average group commit
 * at 64 in flight) beside the fetch + store script's one INSERT per answer
 * in transactions of 1,000, through @libsql/client and through npm:libsql's
 * prepared statement. The same answers (a small JSON echo) each way.
 *
 * Usage: `deno run --allow-all bench/store_path.ts [--n 20000] [--group 32]`.
 * Prints one JSON line; CPU is the whole process's (user + system).
 *
 * @module
 */
import process from "node:process";
import { createClient, LibsqlDatabase } from "../lib/deps.ts";
import type { ClaimedItem } from "../lib/store/queue.ts";
import { openStore } from "../lib/store/store.ts";
import { addJob, outcome } from "../tests/store/_fixtures.ts";

const INSERT = "INSERT INTO answers (key, status, body, at) VALUES (?, ?, ?, ?)";
const TABLE = "CREATE TABLE answers (key TEXT NOT NULL, status INTEGER, body TEXT, at INTEGER)";

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function option(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot parse --${name} as a positive integer: current value is '${Deno.args[at + 1]}'`,
    );
  }
  return value;
}

const echo = (i: number) => JSON.stringify({ echo: { q: `query ${i}` }, n: i });

/** sluice's queue: CPU µs per answer of the import, the claims and the result writes. */
async function sluiceStore(dir: string, n: number, group: number) {
  const store = await openStore(`file:${dir}/sluice.db`);
  try {
    let started = cpuMs();
    const jobId = await addJob(store, n);
    const importMs = cpuMs() - started;
    let claimMs = 0;
    let writeMs = 0;
    for (let claimed = 0; claimed < n;) {
      started = cpuMs();
      const page: ClaimedItem[] = await store.queue.claim(jobId, "me", 1024, 1, 60_000);
      claimMs += cpuMs() - started;
      claimed += page.length;
      for (let i = 0; i < page.length; i += group) {
        const updates = page.slice(i, i + group).map((item) =>
          outcome(item.id, {
            response: {
              seq: item.seq,
              status: 200,
              durationMs: 1.25,
              headers: '{"content-type":"application/json"}',
              body: echo(item.seq),
              url: "http://127.0.0.1:1/echo",
              error: null,
              at: 2,
            },
          })
        );
        started = cpuMs();
        await store.results.write("me", jobId, updates, 2);
        writeMs += cpuMs() - started;
      }
    }
    const us = (ms: number) => Math.round((ms * 10_000) / n) / 10;
    return {
      importUs: us(importMs),
      claimUs: us(claimMs),
      writeUs: us(writeMs),
      totalUs: us(importMs + claimMs + writeMs),
    };
  } finally {
    store.close();
  }
}

/** The fetch + store script's store: one INSERT per answer, 1,000 per transaction. */
async function scriptStore(dir: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => [String(i), 200, echo(i), 2]);
  const client = createClient({ url: `file:${dir}/client.db` });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute(TABLE);
  let started = cpuMs();
  for (let i = 0; i < n; i += 1000) {
    await client.batch(rows.slice(i, i + 1000).map((args) => ({ sql: INSERT, args })), "write");
  }
  const clientMs = cpuMs() - started;
  client.close();
  const db = new LibsqlDatabase(`${dir}/native.db`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(TABLE);
  const insert = db.prepare(INSERT);
  started = cpuMs();
  for (let i = 0; i < n; i += 1000) {
    db.exec("BEGIN");
    for (const row of rows.slice(i, i + 1000)) insert.run(row);
    db.exec("COMMIT");
  }
  const nativeMs = cpuMs() - started;
  db.close();
  const us = (ms: number) => Math.round((ms * 10_000) / n) / 10;
  return { clientUs: us(clientMs), nativeUs: us(nativeMs) };
}

if (import.meta.main) {
  const n = option("n", 20_000);
  const group = option("group", 32);
  const dir = await Deno.makeTempDir({ prefix: "sluice-store-path-" });
  try {
    const sluice = await sluiceStore(dir, n, group);
    const script = await scriptStore(dir, n);
    // deno-lint-ignore no-console
    console.log(JSON.stringify({ n, group, sluice, fetchStore: script }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
