/**
 * The libSQL connection under every repository: opening, migrating, the WAL
 * switch and busy timeout of a local file, write transactions, and the
 * wrapping of every failure into a {@linkcode StoreError} that says what
 * failed and why, in words.
 *
 * @module
 */
import {
  type Client,
  createClient,
  type InStatement,
  type ResultSet,
  type Transaction,
} from "../deps.ts";
import { StoreError } from "../errors.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";
import {
  type LocalClient,
  localPath,
  type LocalTransaction,
  openNativeClient,
} from "./native_client.ts";
import { notADatabase } from "./not_a_database.ts";

/** How long a statement waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
/** SQLite's default page cache: 2,000 KiB. */
const DEFAULT_CACHE = -2000;

/**
 * Runs statements on the connection or inside one of its transactions. `what`
 * names the work for the error message: "Database file:x.db failed to `what`: …".
 */
export interface Executor {
  /** The database's URL, for messages. */
  readonly url: string;
  /** Runs one statement. */
  execute(statement: InStatement, what: string): Promise<ResultSet>;
  /** Runs statements in order, all or none (one write transaction outside a transaction). */
  batch(statements: InStatement[], what: string): Promise<ResultSet[]>;
}

/** Options for {@linkcode openConnection}. */
export interface ConnectionOptions {
  /** Token for a libSQL server (`libsql://`, `http://`). @default LIBSQL_AUTH_TOKEN */
  authToken?: string;
}

/**
 * Opens and migrates a database: `file:sluice.db`, `:memory:`, `libsql://…`, `http://…`.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const rs = await db.execute("SELECT count(*) FROM jobs", "count jobs");
 * assert.equal(Number(rs.rows[0]![0]), 0);
 * db.close();
 * ```
 */
export async function openConnection(
  url: string,
  options: ConnectionOptions = {},
): Promise<Connection> {
  const { authToken = Deno.env.get("LIBSQL_AUTH_TOKEN") } = options;
  const local = url === ":memory:" || url.startsWith("file:");
  let client: Client | LocalClient;
  const path = local ? localPath(url) : undefined;
  try {
    // `timeout` is the busy timeout of every pooled connection (a PRAGMA reaches
    // only one): without it, two processes writing one file lose writes. A plain
    // local path goes through the native driver, its statements prepared once.
    client = path !== undefined
      ? openNativeClient(path, BUSY_TIMEOUT_MS)
      : createClient(authToken && !local ? { url, authToken } : { url, timeout: BUSY_TIMEOUT_MS });
  } catch (cause) {
    throw new StoreError(`Cannot open database ${url}: ${errorText(cause)}`, { cause });
  }
  const connection = new Connection(client, url, local);
  try {
    await connection.migrate();
  } catch (error) {
    client.close();
    throw notADatabase(url, error) ?? error;
  }
  return connection;
}

/** An open database. Its libSQL client is private: repositories reach it as an {@linkcode Executor}. */
export class Connection implements Executor {
  readonly #client: Client | LocalClient;
  /** The database's URL. */
  readonly url: string;
  /** True for a file or `:memory:` (not a libSQL server). */
  readonly local: boolean;
  // The end of the last call still under way on a local database, if any: the next one starts after it.
  #tail: Promise<void> | undefined;

  /** Wraps an open client; {@linkcode openConnection} also migrates it. */
  constructor(client: Client | LocalClient, url: string, local: boolean) {
    this.#client = client;
    this.url = url;
    this.local = local;
  }

  /** Runs one statement. */
  execute(statement: InStatement, what: string): Promise<ResultSet> {
    return this.#oneAtATime(() => guard(this.url, what, () => this.#client.execute(statement)));
  }

  /** Runs statements in one write transaction. */
  batch(statements: InStatement[], what: string): Promise<ResultSet[]> {
    return this.#oneAtATime(() =>
      guard(this.url, what, () => this.#client.batch(statements, "write"))
    );
  }

  /**
   * Local calls one after another. The client lends each call a connection
   * of its pool; two calls under way at once get two connections, and a
   * connection that sees another's commit drops its whole page cache. One at
   * a time, every call gets the same connection and its cache stays warm
   * (an open transaction keeps its own connection).
   */
  #oneAtATime<T>(call: () => Promise<T>): Promise<T> {
    if (!this.local) return call();
    // With nothing under way the call starts at once (no extra turn of the event loop).
    const result = this.#tail ? this.#tail.then(call) : call();
    const tail = result.then(() => {}, () => {});
    this.#tail = tail;
    tail.then(() => {
      if (this.#tail === tail) this.#tail = undefined;
    });
    return result;
  }

  /**
   * Runs `fn` with an executor whose statements all belong to one write
   * transaction: committed if `fn` resolves, rolled back if it throws.
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const tx = await guard(
      this.url,
      "begin a transaction",
      () => this.#client.transaction("write"),
    );
    try {
      const result = await fn(new TransactionExecutor(tx, this.url));
      await guard(this.url, "commit", () => tx.commit());
      return result;
    } catch (error) {
      if (!tx.closed) await tx.rollback().catch(() => {});
      throw error;
    } finally {
      tx.close();
    }
  }

  /**
   * Sets the page cache of `on`'s connection to `kib` KiB; `undefined` puts
   * back SQLite's default. Local files only: a server keeps its own cache.
   */
  async cacheSize(kib: number | undefined, on: Executor = this): Promise<void> {
    if (!this.local) return;
    await on.execute(
      `PRAGMA cache_size = ${kib === undefined ? DEFAULT_CACHE : -kib}`,
      "set the page cache",
    );
  }

  /** Applies pending migrations and the connection settings. */
  async migrate(): Promise<void> {
    await guard(this.url, "migrate", async () => {
      const client = this.#client;
      if (this.local) {
        await client.execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
        if (this.url !== ":memory:") await this.#walMode();
        await client.execute("PRAGMA synchronous = NORMAL");
        // Checkpoint every ~40 MB of WAL rather than ~4 MB: pages written by many
        // small result batches are copied back once, not once per batch or two.
        await client.execute("PRAGMA wal_autocheckpoint = 10000");
      }
      const rs = await client.execute("PRAGMA user_version");
      const version = Number(rs.rows[0]?.[0] ?? 0);
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          `Database ${this.url} has schema version ${version}, newer than this sluice (${SCHEMA_VERSION}); upgrade sluice`,
        );
      }
      for (let v = version; v < SCHEMA_VERSION; v++) {
        await client.batch([...MIGRATIONS[v]!, `PRAGMA user_version = ${v + 1}`], "write");
      }
    });
  }

  /**
   * Switches a file database to WAL. The switch needs the file to itself and
   * fails at once with SQLITE_BUSY (no busy handler) while another process
   * holds a lock, e.g. a second worker starting on a new file: retry within
   * the busy timeout. A database already in WAL needs no switch.
   */
  async #walMode(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let wait = 1;; wait = Math.min(wait * 2, 100)) {
      try {
        const rs = await this.#client.execute("PRAGMA journal_mode");
        if (String(rs.rows[0]?.[0]).toLowerCase() === "wal") return;
        await this.#client.execute("PRAGMA journal_mode = WAL");
        return;
      } catch (error) {
        if (!/SQLITE_BUSY/.test(String(error)) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#client.close();
  }
}

/** The statements of one open write transaction. */
class TransactionExecutor implements Executor {
  readonly #tx: Transaction | LocalTransaction;
  readonly url: string;

  constructor(tx: Transaction | LocalTransaction, url: string) {
    this.#tx = tx;
    this.url = url;
  }

  execute(statement: InStatement, what: string): Promise<ResultSet> {
    return guard(this.url, what, () => this.#tx.execute(statement));
  }

  batch(statements: InStatement[], what: string): Promise<ResultSet[]> {
    return guard(this.url, what, () => this.#tx.batch(statements));
  }
}

/** Runs `fn`, turning any failure but a {@linkcode StoreError} into one that says what failed. */
async function guard<T>(url: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(`Database ${url} failed to ${what}: ${errorText(cause)}`, { cause });
  }
}

/** A libSQL error in words a user can act on, with the original message kept. */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_READONLY|readonly/i.test(message)) {
    return `the database is read-only; check the permissions of the file and its directory (${message})`;
  }
  if (/SQLITE_BUSY|locked/i.test(message)) {
    return `the database is locked; another connection held its write lock longer than the ` +
      `${BUSY_TIMEOUT_MS / 1000} s busy timeout (${message})`;
  }
  if (/SQLITE_FULL|disk is full/i.test(message)) {
    return `the disk is full; free some space (${message})`;
  }
  return message;
}
