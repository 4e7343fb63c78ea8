/**
 * The `jobs` table: a job's name, request template and run options (JSON
 * columns, parsed here once), and whether its input was imported.
 *
 * @module
 */
import type { Row } from "../deps.ts";
import type { RequestTemplate } from "../job/template.ts";
import type { Executor } from "./connection.ts";
import type { LastRun } from "./last_run.ts";

/** A row of `jobs`. */
export interface JobRow {
  /** Row id. */
  id: number;
  /** The job's name, unique in the database. */
  name: string;
  /** When the job was created (epoch ms). */
  created: number;
  /** The request template (placeholders only, never secrets). */
  request: RequestTemplate;
  /** The run options stored with the job. */
  options: Record<string, unknown>;
  /** The job's state as last recorded. */
  status: string;
  /** Prefix of the items' idempotency keys (random, per job). */
  idemPrefix: string;
  /** Identity of the imported input (path, size, mtime); null for stdin. */
  input: string | null;
  /** True once the input's import committed. */
  imported: boolean;
  /** The seq the next imported query gets. */
  nextSeq: number;
  /**
   * The summary of the job's last run, once one ended.
   *
   * @ignore
   */
  lastRun?: LastRun;
  /** Until when the job's workers hold back, and why, as the last one said (0 and "": never). */
  cooldown?: { until: number; cause: string };
}

/** A job to create with {@linkcode JobRepository.create}. */
export interface NewJob {
  /** The job's name, unique in the database. */
  name: string;
  /** The request template (placeholders only, never secrets). */
  request: RequestTemplate;
  /** The run options kept with the job. */
  options: Record<string, unknown>;
  /** The current time (epoch ms). */
  now: number;
}

/** What {@linkcode JobRepository.update} may change. */
export type JobChanges = Partial<
  Pick<JobRow, "request" | "options" | "status" | "input" | "imported">
>;

/** Reads jobs: what status, export and the dashboard need. */
export interface JobReader {
  /** Finds a job by name. */
  find(name: string): Promise<JobRow | undefined>;
  /** Lists every job, oldest first. */
  list(): Promise<JobRow[]>;
}

/**
 * Finds, lists, creates and updates jobs.
 *
 * @example Usage
 * ```ts
 * import { openConnection } from "./connection.ts";
 * import { JobRepository } from "./jobs.ts";
 * import assert from "node:assert/strict";
 * const db = await openConnection(":memory:");
 * const jobs = new JobRepository(db);
 * const job = await jobs.create({ name: "j", request: { url: "http://x.test/" }, options: {}, now: 0 });
 * assert.equal((await jobs.find("j"))?.request.url, "http://x.test/");
 * assert.equal(job.imported, false);
 * db.close();
 * ```
 */
export class JobRepository implements JobReader {
  readonly #db: Executor;

  /** Runs its statements on `db`. */
  constructor(db: Executor) {
    this.#db = db;
  }

  /** Finds a job by name. */
  async find(name: string): Promise<JobRow | undefined> {
    const rs = await this.#db.execute(
      { sql: "SELECT * FROM jobs WHERE name = ?", args: [name] },
      "read job",
    );
    const row = rs.rows[0];
    return row ? toJob(row) : undefined;
  }

  /** Lists every job, oldest first. */
  async list(): Promise<JobRow[]> {
    const rs = await this.#db.execute("SELECT * FROM jobs ORDER BY id", "list");
    return rs.rows.map(toJob);
  }

  /** Creates a job and returns it. */
  async create(job: NewJob): Promise<JobRow> {
    await this.#db.execute({
      sql: `INSERT INTO jobs (name, created, request, options, idem_prefix, updated)
            VALUES (?, ?, ?, ?, ?, ?)`,
      args: [
        job.name,
        job.now,
        JSON.stringify(job.request),
        JSON.stringify(job.options),
        crypto.randomUUID(),
        job.now,
      ],
    }, "create job");
    return (await this.find(job.name))!;
  }

  /**
   * Keeps the summary of the run that just ended with the job.
   *
   * @ignore
   */
  async saveLastRun(id: number, run: LastRun): Promise<void> {
    await this.#db.execute({
      sql: "UPDATE jobs SET last_run = ? WHERE id = ?",
      args: [JSON.stringify(run), id],
    }, "save the run's summary");
  }

  /** Updates a job's settings and state. */
  async update(id: number, changes: JobChanges, now: number): Promise<void> {
    const sets: string[] = [];
    const args: (string | number | null)[] = [];
    for (const [field, value] of Object.entries(changes)) {
      sets.push(`${field} = ?`);
      args.push(
        typeof value === "boolean"
          ? Number(value)
          : typeof value === "object" && value !== null
          ? JSON.stringify(value)
          : value as string | number | null,
      );
    }
    await this.#db.execute({
      sql: `UPDATE jobs SET ${sets.join(", ")}, updated = ? WHERE id = ?`,
      args: [...args, now, id],
    }, "update job");
  }
}

function toJob(row: Row): JobRow {
  return {
    id: Number(row.id),
    name: String(row.name),
    created: Number(row.created),
    request: JSON.parse(String(row.request)),
    options: JSON.parse(String(row.options)),
    status: String(row.status),
    idemPrefix: String(row.idem_prefix),
    input: row.input === null ? null : String(row.input),
    imported: Number(row.imported) === 1,
    nextSeq: Number(row.next_seq),
    ...(typeof row.last_run === "string" ? { lastRun: JSON.parse(row.last_run) } : {}),
    ...(row.cooldown_until !== null && row.cooldown_until !== undefined
      ? { cooldown: { until: Number(row.cooldown_until), cause: String(row.cooldown_cause ?? "") } }
      : {}),
  };
}
