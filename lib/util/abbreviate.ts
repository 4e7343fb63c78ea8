/**
 * Shortening a SQL statement for a message.
 *
 * @module
 */

/**
 * A statement shortened for a message: whitespace collapsed, at most 80 characters.
 *
 * @example Usage
 * ```ts
 * import { abbreviate } from "./abbreviate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(abbreviate("SELECT\n  1"), "SELECT 1");
 * assert.equal(abbreviate("x".repeat(100)).length, 80);
 * ```
 */
export function abbreviate(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
