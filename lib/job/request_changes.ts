/**
 * A job's request is part of the job: resuming it with another method, URL,
 * header or body would mix answers to two different requests in one job.
 * These are the differences a resume is refused for (unless
 * `--replace-request`), and the record a replacement leaves in the job.
 *
 * @module
 */
import { canonicalJson } from "./item_key.ts";
import type { RequestTemplate } from "./template.ts";

/** The method a template sends: its own, or GET without a body and POST with one. */
function methodOf(request: RequestTemplate): string {
  return (request.method ?? (request.body === undefined ? "GET" : "POST")).toUpperCase();
}

/** A value as the user wrote it, for a message. */
function shown(value: unknown): string {
  if (value === undefined) return "(none)";
  return typeof value === "string" ? JSON.stringify(value) : canonicalJson(value);
}

/**
 * The differences between the request a job was saved with and the one a
 * run would send, one line each (`url: "old" → "new"`); empty when they are
 * the same. Header names compare case-insensitively.
 *
 * @example Usage
 * ```ts
 * import { requestChanges } from "./request_changes.ts";
 * import assert from "node:assert/strict";
 * const saved = { url: "http://api.test/a", body: '{"q":"{{q}}"}' };
 * assert.deepEqual(requestChanges(saved, { ...saved }), []);
 * assert.deepEqual(requestChanges(saved, { ...saved, url: "http://api.test/b" }), [
 *   'url: "http://api.test/a" → "http://api.test/b"',
 * ]);
 * ```
 */
export function requestChanges(saved: RequestTemplate, next: RequestTemplate): string[] {
  const changes: string[] = [];
  if (methodOf(saved) !== methodOf(next)) {
    changes.push(`method: ${methodOf(saved)} → ${methodOf(next)}`);
  }
  if (saved.url !== next.url) changes.push(`url: ${shown(saved.url)} → ${shown(next.url)}`);
  const lower = (headers: Record<string, string> = {}) =>
    new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), { name, value }]));
  const before = lower(saved.headers);
  const after = lower(next.headers);
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key);
    const b = after.get(key);
    if (a?.value === b?.value) continue;
    changes.push(`header ${(a ?? b)!.name}: ${shown(a?.value)} → ${shown(b?.value)}`);
  }
  const sameBody = saved.body === next.body ||
    (saved.body !== undefined && next.body !== undefined &&
      canonicalJson(saved.body) === canonicalJson(next.body));
  if (!sameBody) changes.push(`body: ${shown(saved.body)} → ${shown(next.body)}`);
  return changes;
}
