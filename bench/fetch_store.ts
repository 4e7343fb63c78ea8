/**
 * Contender "fetch + store" (issue 25): the job's own limit on this runtime.
 * A bare Deno script that reads the same JSONL input as sluice, POSTs each
 * query with `concurrency` in flight and keeps every answer in libSQL: key,
 * status, body and time, 1,000 answers per transaction, WAL,
 * `synchronous = NORMAL`. No limiter, no retries, no resume, no lease: what a
 * user who needs the answers kept could write in an afternoon.
 *
 * `--driver client` (the default) stores through `@libsql/client`, as sluice
 * does: one `client.batch()` of 1,000 INSERTs. `--driver native` stores
 * through `npm:libsql` (the native driver under @libsql/client): one prepared
 * INSERT reused in a transaction per 1,000 answers.
 *
 * Prints one JSON line: `{ requests, ok, ms }`.
 *
 * Usage: `deno run --allow-net --allow-read --allow-write --allow-env --allow-ffi --allow-sys
 * bench/fetch_store.ts URL INPUT.jsonl CONCURRENCY DB [--driver client|native]`
 *
 * @module
 */
import { createClient, LibsqlDatabase as Database } from "../lib/deps.ts";

const BATCH = 1000;
const INSERT = "INSERT INTO answers (key, status, body, at) VALUES (?, ?, ?, ?)";
const TABLE = "CREATE TABLE answers (key TEXT NOT NULL, status INTEGER, body TEXT, at INTEGER)";

/** One stored answer: key, status, body, time. */
type Row = [string, number, string, number];

/** Writes a batch of rows in one transaction. */
type Store = { write(rows: Row[]): Promise<void>; close(): void };

async function clientStore(path: string): Promise<Store> {
  const client = createClient({ url: `file:${path}` });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute(TABLE);
  return {
    async write(rows) {
      await client.batch(rows.map((args) => ({ sql: INSERT, args })), "write");
    },
    close: () => client.close(),
  };
}

function nativeStore(path: string): Store {
  const db = new Database(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(TABLE);
  const insert = db.prepare(INSERT);
  const writeAll = db.transaction((rows: Row[]) => {
    for (const row of rows) insert.run(row);
  });
  return {
    write: (rows) => Promise.resolve(writeAll(rows)),
    close: () => db.close(),
  };
}

/** The input's queries, line by line, streamed. */
async function* queries(path: string): AsyncGenerator<{ id: unknown; q: unknown }> {
  const file = await Deno.open(path);
  let rest = "";
  for await (const text of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") yield JSON.parse(line);
  }
  if (rest.trim() !== "") yield JSON.parse(rest);
}

if (import.meta.main) {
  const [url = "", input = "", c = "64", db = ""] = Deno.args;
  const driver = Deno.args.includes("--driver")
    ? Deno.args[Deno.args.indexOf("--driver") + 1]
    : "client";
  if (driver !== "client" && driver !== "native") {
    throw new RangeError(
      `Cannot parse --driver as client or native: current value is '${driver}'`,
    );
  }
  const started = performance.now();
  const store = driver === "native" ? nativeStore(db) : await clientStore(db);
  const source = queries(input);
  let requests = 0;
  let ok = 0;
  let buffer: Row[] = [];
  let writing = Promise.resolve();
  // Writes run one after another; the slots go on fetching while one runs.
  const flush = () => {
    const rows = buffer;
    buffer = [];
    writing = writing.then(() => store.write(rows));
  };
  const worker = async () => {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const { id, q } = next.value;
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ q }),
      });
      // The body first, then the push: a flush that swaps the buffer meanwhile loses nothing.
      const body = await response.text();
      buffer.push([String(id), response.status, body, Date.now()]);
      requests++;
      if (response.ok) ok++;
      if (buffer.length >= BATCH) flush();
    }
  };
  await Promise.all(Array.from({ length: Number(c) }, worker));
  flush();
  await writing;
  store.close();
  const ms = performance.now() - started;
  // deno-lint-ignore no-console
  console.log(JSON.stringify({ requests, ok, ms }));
}
