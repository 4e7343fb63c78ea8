/**
 * The kill -9 torture run, shared by tests/torture_test.ts and
 * bench/restart.ts: a job (its queries with pages, or not) run through the
 * CLI against the mock API in this process, SIGKILLed at seeded pseudo-random moments (during the import,
 * while running, while it holds the database's write lock), restarted each
 * time, then run to the end. Returns the figures; the caller asserts.
 *
 * @module
 */
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { prng, readClient, SluiceProcess, writeLocked, writeQueries } from "../_sluice_process.ts";

/** Options of {@linkcode runTorture}. */
export interface TortureOptions {
  /** Seed of the kill schedule. */
  seed: number;
  /** Queries in the job. @default 3000 */
  items?: number;
  /** SIGKILLs before the final run. @default 12 */
  kills?: number;
  /** `--concurrency` of every run. @default 8 */
  concurrency?: number;
  /** The mock's latency per request. @default 20 */
  latencyMs?: number;
  /** Longest delay from a run's start line to its kill. @default 500 */
  maxDelayMs?: number;
  /** Told what happens. @default nothing */
  log?: (line: string) => void;
  /**
   * Every run also processes each answer into a table of the user's
   * (`--schema`, `--into` with a plain INSERT, no key: a row written twice
   * would show). @default false
   */
  into?: boolean;
  /**
   * Each query has this many pages, followed with `--next link` (the mock's
   * `/pages/link`): every page is an item. @default undefined (one request per query)
   */
  pages?: number;
}

/** The user's table of a torture run `into`: each answer's results, one row each. */
const SCHEMA =
  "CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, page INTEGER, rank INTEGER, title TEXT)";
const INTO = `INSERT INTO hits (key, page, rank, title)
  SELECT :key, :page, j.value ->> '$.rank', j.value ->> '$.title'
  FROM json_each(:body, '$.results') AS j`;

/** What a torture run `into` found in the user's table. */
export interface IntoFigures {
  /** Rows in the table. */
  rows: number;
  /** Done items whose rows are not exactly their answer's results, once (should be none). */
  doneWithWrongRows: number;
  /** Items not done that have rows (should be none). */
  notDoneWithRows: number;
}

/** One kill. */
export interface Kill {
  phase: "import" | "running" | "write";
  /** The delay drawn for it (ms after the start line; lines written to stdin for `import`). */
  drawn: number;
  /** False when the run ended by itself before the kill. */
  killed: boolean;
  /** Items `inflight` in the database right after the kill. */
  inflight: number;
  /** Items `done` in the database right after the kill. */
  done: number;
  /** With `into`: the user's table right after the kill. */
  into?: IntoFigures;
}

/** What a torture run saw. */
export interface TortureFigures {
  seed: number;
  items: number;
  concurrency: number;
  kills: Kill[];
  /** Kills that landed (the run had not finished by itself). */
  killed: number;
  /** `concurrency × killed`: the most requests that can be in flight at the kills. */
  bound: number;
  /** Keys the mock answered more than once. */
  duplicateKeys: number;
  /** Requests beyond one per key. */
  extraSends: number;
  /** Duplicated keys whose item is not marked possibly sent (should be none). */
  unflaggedDuplicates: number;
  /** Items marked possibly sent at the end. */
  possiblySent: number;
  /** Requests the mock received. */
  requests: number;
  /** Items (with `pages`, every page of every query) the job has when done. */
  pages: number;
  /** Items done at the end, and rows in `responses`. */
  done: number;
  responses: number;
  /** Items with more than one row in `responses` (should be none). */
  itemsWithSeveralRows: number;
  /** Keys of the job (a query's page) the mock never answered with a 2xx (should be none). */
  unanswered: number;
  /** With `into`: the user's table. */
  into?: IntoFigures;
  /** Exit code of the final run. */
  finalCode: number;
  finalStderr: string;
  elapsedMs: number;
}

/** Runs the torture and returns what it saw. */
export async function runTorture(options: TortureOptions): Promise<TortureFigures> {
  const {
    seed,
    items = 3000,
    kills = 12,
    concurrency = 8,
    latencyMs = 20,
    maxDelayMs = 500,
    log = () => {},
    into = false,
    pages,
  } = options;
  const started = performance.now();
  const random = prng(seed);
  const dir = await Deno.makeTempDir({ prefix: "sluice-torture-" });
  const queries = `${dir}/queries.jsonl`;
  const dbPath = `${dir}/torture.db`;
  await writeQueries(queries, items);
  const server = serveMockApi({ port: 0, record: true, latencyMs });
  const common = [
    "--db",
    `file:${dbPath}`,
    "--job",
    "torture",
    ...(pages === undefined
      ? ["--url", `http://127.0.0.1:${server.port}/search`, "--body", '{"q":"{{q}}"}']
      : [
        "--url",
        `http://127.0.0.1:${server.port}/pages/link?q={{q}}&pages=${pages}`,
        "--next",
        "link",
      ]),
    "--rate",
    "none",
    "--concurrency",
    String(concurrency),
    "--quiet",
    ...(into ? ["--schema", SCHEMA, "--into", INTO] : []),
  ];
  const history: Kill[] = [];
  try {
    // The first 1 to 3 kills land in the import, fed slowly through stdin: the
    // import transaction is open (the write lock is held) until the input ends.
    const importKills = Math.min(kills, 1 + Math.floor(random() * 3));
    for (let k = 0; k < kills; k++) {
      const phase: Kill["phase"] = k < importKills
        ? "import"
        : random() < 0.5
        ? "running"
        : "write";
      let kill: Kill;
      if (phase === "import") {
        const lines = 1 + Math.floor(random() * (items - 1));
        const run = new SluiceProcess(["run", "-", "--format", "jsonl", ...common], {
          stdin: true,
        });
        const stdin = run.child.stdin.getWriter();
        const text = (await Deno.readTextFile(queries)).split("\n").slice(0, lines).join("\n");
        await stdin.write(new TextEncoder().encode(text + "\n"));
        await waitUntil(() => Deno.stat(dbPath).then(() => true, () => false), run);
        await waitUntil(() => writeLocked(dbPath), run);
        run.kill("SIGKILL");
        await stdin.close().catch(() => {});
        const exit = await run.exited;
        kill = { phase, drawn: lines, killed: exit.signal === "SIGKILL", inflight: 0, done: 0 };
      } else {
        const run = new SluiceProcess(["run", queries, ...common]);
        await run.waitFor(/^sluice: (job|resuming)/);
        const drawn = Math.round(random() * (phase === "write" ? maxDelayMs / 2 : maxDelayMs));
        await Promise.race([new Promise((r) => setTimeout(r, drawn)), run.exited]);
        if (phase === "write") {
          await waitUntil(() => writeLocked(dbPath), run, 10_000).catch(() => {});
        }
        run.kill("SIGKILL");
        const exit = await run.exited;
        kill = { phase, drawn, killed: exit.signal === "SIGKILL", inflight: 0, done: 0 };
        if (!kill.killed && exit.code !== 0) {
          throw new Error(`run ${k} failed (exit ${exit.code}):\n${exit.stderr}`);
        }
      }
      if (await Deno.stat(dbPath).then(() => true, () => false)) {
        const probe = readClient(dbPath);
        try {
          const rs = await probe.execute(
            "SELECT count(*) FILTER (WHERE status = 'inflight'), count(*) FILTER (WHERE status = 'done') FROM items",
          ).catch((error) => {
            // Killed before the schema was created: nothing to count.
            if (/no such table/.test(String(error))) return { rows: [] };
            throw error;
          });
          kill.inflight = Number(rs.rows[0]?.[0] ?? 0);
          kill.done = Number(rs.rows[0]?.[1] ?? 0);
          if (into) kill.into = await readInto(probe);
        } finally {
          probe.close();
        }
      }
      history.push(kill);
      log(
        `kill ${k + 1}/${kills}: ${phase} (${phase === "import" ? "lines" : "ms"} ${kill.drawn})` +
          `${kill.killed ? "" : " — the run had already ended"}; ` +
          `${kill.done} done, ${kill.inflight} in flight in the database` +
          (kill.into ? `, ${kill.into.rows} rows in hits` : ""),
      );
    }

    const last = await new SluiceProcess(["run", queries, ...common]).exited;
    log(`final run: exit ${last.code}\n${last.stderr}`);

    // A connection of its own: the run's rows as the database holds them.
    const client = readClient(dbPath);
    try {
      const one = async (sql: string) => Number((await client.execute(sql)).rows[0]?.[0]);
      const done = await one("SELECT count(*) FROM items WHERE status = 'done'");
      const responses = await one("SELECT count(*) FROM responses");
      const itemsWithSeveralRows = await one(
        "SELECT count(*) FROM (SELECT item FROM responses GROUP BY item HAVING count(*) > 1)",
      );
      const possiblySent = await one("SELECT count(*) FROM items WHERE possibly_sent > 0");
      const prefix = String(
        (await client.execute("SELECT idem_prefix FROM jobs")).rows[0]?.[0],
      );
      // A query's first page has the key a query without pages has; a later one, its page too.
      const pageKey = (seq: unknown, page: number) =>
        page > 1 ? `${prefix}:${seq}:${page}` : `${prefix}:${seq}`;
      const flagged = new Set(
        (await client.execute("SELECT seq, page FROM items WHERE possibly_sent > 0")).rows
          .map((r) => pageKey(r[0], Number(r[1]))),
      );
      let unanswered = 0;
      for (let seq = 0; seq < items; seq++) {
        for (let page = 1; page <= (pages ?? 1); page++) {
          if (!(server.api.served.get(pageKey(seq, page))! >= 1)) unanswered++;
        }
      }
      let duplicateKeys = 0;
      let extraSends = 0;
      let unflaggedDuplicates = 0;
      for (const [key, n] of server.api.keys) {
        if (n <= 1) continue;
        duplicateKeys++;
        extraSends += n - 1;
        if (!flagged.has(key)) unflaggedDuplicates++;
      }
      const killed = history.filter((k) => k.killed).length;
      const intoFigures = into ? await readInto(client) : undefined;
      return {
        seed,
        items,
        pages: items * (pages ?? 1),
        concurrency,
        kills: history,
        killed,
        bound: concurrency * killed,
        duplicateKeys,
        extraSends,
        unflaggedDuplicates,
        possiblySent,
        requests: server.api.stats.requests,
        done,
        responses,
        itemsWithSeveralRows,
        unanswered,
        ...(intoFigures ? { into: intoFigures } : {}),
        finalCode: last.code,
        finalStderr: last.stderr,
        elapsedMs: Math.round(performance.now() - started),
      };
    } finally {
      client.close();
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The user's table as the database holds it; zeros before the run created it. */
async function readInto(client: ReturnType<typeof readClient>): Promise<IntoFigures> {
  const one = async (sql: string) => {
    try {
      return Number((await client.execute(sql)).rows[0]?.[0] ?? 0);
    } catch (error) {
      if (/no such table/.test(String(error))) return 0;
      throw error;
    }
  };
  return {
    rows: await one("SELECT count(*) FROM hits"),
    doneWithWrongRows: await one(
      `SELECT count(*) FROM items i JOIN responses r ON r.item = i.id
       WHERE i.status = 'done' AND json_array_length(r.body, '$.results')
         != (SELECT count(*) FROM hits h WHERE h.key = i.key AND h.page = i.page)`,
    ),
    notDoneWithRows: await one(
      `SELECT count(DISTINCT h.key || ':' || h.page) FROM hits h
       JOIN items i ON i.key = h.key AND i.page = h.page
       WHERE i.status != 'done'`,
    ),
  };
}

/**
 * Polls `condition` until it holds; rejects if `run` exits first or after
 * `timeoutMs`. For states another process is in that it does not print.
 */
async function waitUntil(
  condition: () => Promise<boolean>,
  run: SluiceProcess,
  timeoutMs = 30_000,
): Promise<void> {
  let ended = false;
  void run.exited.then(() => ended = true);
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (ended) throw new Error(`the run exited first:\n${run.stderr()}`);
    if (performance.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
