/**
 * What tells one input file from another without reading it: a job records
 * it when it imports, and a run given the same file again resumes instead
 * of importing it twice.
 *
 * @module
 */

/**
 * Identifies a file's content cheaply: its real path, size and modification
 * time; undefined for standard input (`-`), which cannot be read again.
 *
 * @example Usage
 * ```ts
 * import { inputIdentity } from "./input_identity.ts";
 * import assert from "node:assert/strict";
 * const file = await Deno.makeTempFile();
 * assert.equal(await inputIdentity(file), await inputIdentity(file));
 * assert.equal(await inputIdentity("-"), undefined);
 * await Deno.remove(file);
 * ```
 */
export async function inputIdentity(path: string): Promise<string | undefined> {
  if (path === "-") return undefined;
  const info = await Deno.stat(path);
  return `${await Deno.realPath(path)}:${info.size}:${info.mtime?.getTime() ?? 0}`;
}
