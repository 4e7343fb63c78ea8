/**
 * SQL as the user gives it: the text itself, or `@file.sql`.
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../errors.ts";
import { invalidUtf8At } from "../job/decode_input.ts";

/**
 * SQL given as text, or as `@file.sql` (read from the working directory):
 * UTF-8 (a byte order mark dropped), or UTF-16 with its byte order mark.
 *
 * @param value The text, or `@` and a file's path.
 * @param what What the SQL is, for the error (`--into`).
 * @throws {InputError} When the file cannot be read, or is not UTF-8 text.
 *
 * @example Usage
 * ```ts
 * import { sqlText } from "./sql_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(sqlText("SELECT 1", "--into"), "SELECT 1");
 * assert.throws(() => sqlText("@no_such_file.sql", "--into"), /Cannot read --into from .*no_such_file\.sql/);
 * ```
 */
export function sqlText(value: string, what: string): string {
  if (!value.startsWith("@")) return value;
  const path = resolve(value.slice(1));
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : String(error);
    throw new InputError(`Cannot read ${what} from ${path}: ${reason}`, undefined, {
      cause: error,
    });
  }
  // Windows editors save "Unicode" as UTF-16 with a byte order mark (dropped by TextDecoder).
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = invalidUtf8At(bytes);
    throw new InputError(
      `Cannot read ${what} from ${path} as UTF-8: byte 0x${
        bytes[at]!.toString(16).toUpperCase().padStart(2, "0")
      } at offset ${at} is not UTF-8; save it as UTF-8`,
    );
  }
}
