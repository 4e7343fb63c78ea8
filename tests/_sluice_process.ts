/**
 * Test helpers for the crash-safety tests: the `sluice` CLI as a child
 * process whose stderr is read line by line, a gate that holds the mock API's
 * answers until the test opens it, a seeded PRNG, and a write-lock probe.
 *
 * @module
 */
import { RUN_FLAGS } from "../cli/install.ts";
import { type Client, createClient } from "@libsql/client";
import { fromFileUrl } from "../lib/util/from_file_url.ts";
import type { MockClock } from "../lib/mock/mock_api.ts";
import { type MockServer, serveMockApi } from "../lib/mock/mock_server.ts";

/** Absolute path of main.ts. */
export const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));

/** The flags the CLI runs with (deno.json's `sluice` task: permissions, V8 settings). */
export const PERMISSIONS: readonly string[] = ["--no-prompt", ...RUN_FLAGS];

/** How a {@linkcode SluiceProcess} ended. */
export interface Exit {
  code: number;
  signal: Deno.Signal | null;
  /** Everything it wrote to stderr. */
  stderr: string;
  stdout: string;
}

/**
 * `deno run main.ts <args>` as a child process; stderr is collected line by
 * line so a test can wait for a message.
 */
export class SluiceProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  #stdout = "";
  #ended = false;

  constructor(args: string[], options: { stdin?: boolean; cwd?: string } = {}) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, MAIN, ...args],
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      ...(options.cwd ? { cwd: options.cwd } : {}),
      // Under `npx deno task test` the environment says npx ran us: the hints sluice
      // prints would name the npx line. The tests run sluice as plain deno.
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", npm_command: "", npm_lifecycle_event: "" },
    }).spawn();
    this.child = child;
    const stderr = this.#readLines(child.stderr);
    const stdout = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.#stdout += text;
      }
    })();
    this.exited = (async () => {
      const status = await child.status;
      await Promise.all([stderr, stdout]);
      this.#ended = true;
      for (const w of this.#waiters) w.resolve("");
      this.#waiters = [];
      return {
        code: status.code,
        signal: status.signal,
        stderr: this.lines.join("\n"),
        stdout: this.#stdout,
      };
    })();
  }

  async #readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      rest += text;
      let newline: number;
      while ((newline = rest.indexOf("\n")) >= 0) {
        this.#line(rest.slice(0, newline));
        rest = rest.slice(newline + 1);
      }
    }
    if (rest) this.#line(rest);
  }

  #line(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pattern.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /**
   * Resolves with the first stderr line matching `pattern` (one already read
   * counts); rejects if the process exits first or after `timeoutMs`.
   */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return seen;
    if (this.#ended) throw new Error(`exited before printing ${pattern}:\n${this.stderr()}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const line = await new Promise<string>((resolve, reject) => {
      this.#waiters.push({ pattern, resolve });
      timer = setTimeout(
        () => reject(new Error(`no line ${pattern} after ${timeoutMs} ms:\n${this.stderr()}`)),
        timeoutMs,
      );
    }).finally(() => clearTimeout(timer));
    if (line === "" && !pattern.test("")) {
      throw new Error(`exited before printing ${pattern}:\n${this.stderr()}`);
    }
    return line;
  }

  /** What it printed to stderr so far. */
  stderr(): string {
    return this.lines.join("\n");
  }

  /** Sends a signal; ignores a process that is already gone. */
  kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
    }
  }
}

/** Runs the CLI to the end. */
export function sluice(args: string[], options: { cwd?: string } = {}): Promise<Exit> {
  return new SluiceProcess(args, options).exited;
}

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A mock clock for the mock API's latency (`latencyMs` must be above 0 for
 * it to be asked): while the gate is closed, requests reach the mock and are
 * counted, but their answers are held until it opens. With `closeAfter`, it
 * lets that many answers through, then closes by itself.
 */
export class Gate implements MockClock {
  /** Answers waiting now. */
  held = 0;
  /** Answers let through so far. */
  passed = 0;
  #open: boolean;
  #closeAfter: number;
  #release: (() => void)[] = [];
  #watchers: { n: number; resolve: () => void }[] = [];

  constructor(options: { open?: boolean; closeAfter?: number } = {}) {
    this.#open = options.open ?? true;
    this.#closeAfter = options.closeAfter ?? Infinity;
  }

  now(): number {
    return Date.now();
  }

  async sleep(): Promise<void> {
    if (this.#open && this.passed < this.#closeAfter) {
      this.passed++;
      return;
    }
    this.#open = false;
    this.held++;
    this.#watchers = this.#watchers.filter((w) => {
      if (this.held < w.n) return true;
      w.resolve();
      return false;
    });
    await new Promise<void>((resolve) => this.#release.push(resolve));
  }

  /** Resolves once `n` answers are held; rejects after `timeoutMs`. */
  whenHeld(n: number, timeoutMs = 60_000): Promise<void> {
    if (this.held >= n) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<void>((resolve, reject) => {
      this.#watchers.push({ n, resolve });
      timer = setTimeout(
        () => reject(new Error(`${this.held} answers held after ${timeoutMs} ms, not ${n}`)),
        timeoutMs,
      );
    }).finally(() => clearTimeout(timer));
  }

  /** Lets every held answer go, and all later ones through. */
  open(): void {
    this.#open = true;
    this.#closeAfter = Infinity;
    this.held = 0;
    for (const release of this.#release.splice(0)) release();
  }
}

/** A JSONL file of `n` queries `{ "id": "k<i>", "q": "query <i>" }`, from `from`. */
export async function writeQueries(path: string, n: number, from = 0): Promise<void> {
  const lines = [];
  for (let i = from; i < from + n; i++) {
    lines.push(JSON.stringify({ id: `k${i}`, q: `query ${i}` }));
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

/**
 * True while another process holds the database's write lock: tries
 * `BEGIN IMMEDIATE` without waiting and rolls back at once. Each probe opens
 * a fresh connection: a connection kept open can answer SQLITE_BUSY for ever
 * once another process recovered the WAL after a crash (no busy handler to retry).
 */
export async function writeLocked(path: string): Promise<boolean> {
  let client: Client | undefined;
  try {
    // Opening runs a first read, which can meet a lock too (e.g. the switch to WAL).
    client = createClient({ url: `file:${path}`, timeout: 0, concurrency: 1 });
    const tx = await client.transaction("write");
    await tx.rollback();
    tx.close();
    return false;
  } catch (error) {
    if (/SQLITE_BUSY|locked/i.test(String(error))) return true;
    throw error;
  } finally {
    client?.close();
  }
}

/** A connection that reads a database another process writes. */
export function readClient(path: string): Client {
  return createClient({ url: `file:${path}`, timeout: 5000, concurrency: 1 });
}

/** A job on disk and a mock API to send it to; dispose to clean up. */
export interface MockJob extends AsyncDisposable {
  dir: string;
  queries: string;
  db: string;
  server: MockServer;
  /** `run <queries> --db … --job … --url … --rate none --concurrency … --quiet`. */
  args: string[];
}

/**
 * Writes `items` queries, serves the mock API (answers behind `gate`) and
 * builds the arguments of a run of them. `dbDir` puts the database elsewhere.
 */
export async function mockJob(
  items: number,
  gate: Gate,
  options: { concurrency?: number; dbDir?: string; job?: string } = {},
): Promise<MockJob> {
  const { concurrency = 4, job = "job" } = options;
  const dir = await Deno.makeTempDir({ prefix: "sluice-test-" });
  const queries = `${dir}/queries.jsonl`;
  await writeQueries(queries, items);
  const server = serveMockApi({ port: 0, record: true, latencyMs: 1, clock: gate });
  const db = `${options.dbDir ?? dir}/${job}.db`;
  return {
    dir,
    queries,
    db,
    server,
    args: [
      "run",
      queries,
      "--db",
      `file:${db}`,
      "--job",
      job,
      "--url",
      `http://127.0.0.1:${server.port}/search`,
      "--body",
      '{"q":"{{q}}"}',
      "--rate",
      "none",
      "--concurrency",
      String(concurrency),
      "--quiet",
    ],
    async [Symbol.asyncDispose]() {
      gate.open();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** One item as the database holds it. */
export interface ItemState {
  seq: number;
  /** Its idempotency key, as the mock records it. */
  key: string;
  status: string;
  possiblySent: number;
  /** Rows in `responses` for it. */
  responses: number;
}

/** Every item of the database's (only) job, read by a separate connection. */
export async function inspectDb(db: string) {
  const client = readClient(db);
  try {
    const prefix = String((await client.execute("SELECT idem_prefix FROM jobs")).rows[0]?.[0]);
    const rows = (await client.execute(
      `SELECT seq, status, possibly_sent,
              (SELECT count(*) FROM responses r WHERE r.item = i.id) FROM items i ORDER BY seq`,
    )).rows;
    const items: ItemState[] = rows.map((r) => ({
      seq: Number(r[0]),
      key: `${prefix}:${r[0]}`,
      status: String(r[1]),
      possiblySent: Number(r[2]),
      responses: Number(r[3]),
    }));
    const count = (status: string) => items.filter((i) => i.status === status).length;
    const orphans = Number(
      (await client.execute(
        `SELECT count(*) FROM responses r LEFT JOIN items i ON i.id = r.item
         WHERE i.id IS NULL OR i.status NOT IN ('done', 'failed')`,
      )).rows[0]?.[0],
    );
    return { items, count, byKey: new Map(items.map((i) => [i.key, i])), orphans };
  } finally {
    client.close();
  }
}

/**
 * Waits until every pool slot holds a request the mock has not answered:
 * then exactly these are in flight, and every earlier outcome is committed
 * (a slot takes new work only once its outcome is). Returns their keys.
 */
export async function inFlightKeys(
  gate: Gate,
  job: MockJob,
  concurrency: number,
  run: SluiceProcess,
): Promise<{ keys: string[]; done: number }> {
  await Promise.race([
    gate.whenHeld(concurrency),
    run.exited.then((exit) => {
      throw new Error(`the run exited (${exit.code}) before ${concurrency} requests were held:
${exit.stderr}`);
    }),
  ]);
  const state = await inspectDb(job.db);
  const done = new Set(state.items.filter((i) => i.status === "done").map((i) => i.key));
  const keys = [...job.server.api.keys.keys()].filter((key) => !done.has(key));
  if (keys.length !== concurrency) {
    throw new Error(`${keys.length} requests in flight, expected ${concurrency}`);
  }
  return { keys, done: done.size };
}
