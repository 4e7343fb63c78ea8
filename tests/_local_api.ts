/**
 * A temporary folder and an API on 127.0.0.1 for the tests that run the
 * commands against a server of their own.
 *
 * @module
 */

/** What {@linkcode withLocalApi} gives its test. */
export interface LocalApi {
  /** A temporary folder, removed after. */
  dir: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The requests answered so far. */
  requests(): number;
}

/**
 * A temporary folder and an API on 127.0.0.1 answering every request by
 * `answer`, for `fn`; both gone after.
 *
 * @example Usage
 * ```ts
 * import { withLocalApi } from "./_local_api.ts";
 * import assert from "node:assert/strict";
 * await withLocalApi(() => Response.json({ ok: true }), async ({ origin, requests }) => {
 *   assert.deepEqual(await (await fetch(`${origin}/x`)).json(), { ok: true });
 *   assert.equal(requests(), 1);
 * });
 * ```
 */
export async function withLocalApi(
  answer: (request: Request) => Response | Promise<Response>,
  fn: (api: LocalApi) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_api_" });
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    requests++;
    return answer(request);
  });
  try {
    await fn({ dir, origin: `http://127.0.0.1:${server.addr.port}`, requests: () => requests });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}
