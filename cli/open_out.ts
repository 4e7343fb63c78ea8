/**
 * Where `sluice export --out` writes: a file that is not the database.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { dbFilePath } from "./db_url.ts";
import { InputError } from "../lib/errors.ts";

/**
 * Opens `--out` for writing, truncated. Refuses the database's own files
 * (the database, its -wal, -shm or -journal: the same file by path, symlink
 * or hard link), which truncating would destroy, and says so for a missing
 * folder.
 *
 * @param out The file to write.
 * @param db The database's URL (`--db`).
 * @throws {InputError} For one of the database's files, a missing folder, or
 * a file that cannot be written (permission denied, a folder).
 *
 * @example Usage
 * ```ts
 * import { openOut } from "./open_out.ts";
 * import { InputError } from "../lib/errors.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/jobs.db`, "not to be lost");
 * await assert.rejects(openOut(`${dir}/jobs.db`, `file:${dir}/jobs.db`), InputError);
 * await assert.rejects(openOut(`${dir}/missing/out.jsonl`, `file:${dir}/jobs.db`), /no folder/);
 * assert.equal(await Deno.readTextFile(`${dir}/jobs.db`), "not to be lost");
 * (await openOut(`${dir}/out.jsonl`, `file:${dir}/jobs.db`)).close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openOut(out: string, db: string): Promise<Deno.FsFile> {
  const dbPath = dbFilePath(db);
  const target = await fileIdentity(out);
  if (dbPath !== undefined && target !== undefined) {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) {
      const file = await fileIdentity(dbPath + suffix);
      if (file === undefined || !sameFile(target, file)) continue;
      throw new InputError(
        `Cannot export to ${resolve(out)}: it is the database${
          suffix ? `'s ${suffix.slice(1)} file` : ""
        } ` +
          `(${file.path}); writing it would destroy the database. Pick another --out`,
      );
    }
  }
  try {
    return await Deno.open(out, { write: true, create: true, truncate: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(
        `Cannot export to ${resolve(out)}: there is no folder ${resolve(dirname(out))}`,
      );
    }
    if (error instanceof Error && Object.hasOwn(Deno.errors, error.name)) {
      throw new InputError(`Cannot export to ${resolve(out)}: ${error.message}`);
    }
    throw error;
  }
}

interface FileIdentity {
  path: string;
  dev: number;
  ino: number | null;
}

async function fileIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    const info = await Deno.stat(path);
    return { path: await Deno.realPath(path), dev: info.dev, ino: info.ino };
  } catch {
    return undefined;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path || (a.ino !== null && a.ino === b.ino && a.dev === b.dev);
}
