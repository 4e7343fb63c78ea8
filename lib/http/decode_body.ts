/**
 * The content codings Deno's fetch leaves encoded. It asks for
 * `Accept-Encoding: gzip,br` (when the request sets none) and decodes those
 * two; a `deflate` body (which a server may send anyway, or because the
 * template asked for it) and an `x-gzip` one come as they were sent. sluice
 * decodes them here, with node:zlib: it reports a stream cut short (Deno's
 * `DecompressionStream` takes a cut deflate stream for a whole one) and gives
 * its output in chunks of 16 KB, so the size cap stops a bomb early
 * (`DecompressionStream` expands each input chunk whole: 50 MB from 48 KB).
 * `deflate` is zlib-wrapped (RFC 9110) or, from many servers, raw deflate:
 * told apart by the first two bytes, as browsers do.
 *
 * @module
 */
import { once } from "node:events";
import type { Transform } from "node:stream";
import { createGunzip, createInflate, createInflateRaw } from "node:zlib";
import { headerField } from "../util/header_fields.ts";

/**
 * `response` with its body decoded when its `Content-Encoding` is one that
 * `fetch` leaves as it is (`deflate`, `x-gzip`); the response itself
 * otherwise. Status and headers are kept. A broken or cut stream errors the
 * body with a `TypeError`, as `fetch`'s own decoding does.
 *
 * @example Usage
 * ```ts
 * import { decodeBody } from "./decode_body.ts";
 * import { deflateRawSync, deflateSync } from "node:zlib";
 * import assert from "node:assert/strict";
 * for (const bytes of [deflateSync("hello"), deflateRawSync("hello")]) {
 *   const response = new Response(new Uint8Array(bytes), { headers: { "content-encoding": "deflate" } });
 *   assert.equal(await decodeBody(response).text(), "hello");
 * }
 * const plain = new Response("hello");
 * assert.equal(decodeBody(plain), plain);
 * ```
 */
export function decodeBody(response: Response): Response {
  const coding = headerField(response.headers, "content-encoding")?.trim().toLowerCase();
  if ((coding !== "deflate" && coding !== "x-gzip") || response.body === null) return response;
  const { status, statusText, headers } = response;
  return new Response(decoded(response.body, coding), { status, statusText, headers });
}

/** The body decoded from `coding`. */
function decoded(
  body: ReadableStream<Uint8Array>,
  coding: "deflate" | "x-gzip",
): ReadableStream<Uint8Array> {
  const source = body.getReader();
  let output: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        output ??= await start();
        const { done, value } = await output.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        // zlib's errors are plain Errors; fetch's decoding fails with a TypeError.
        throw error instanceof TypeError ? error : new TypeError((error as Error).message);
      }
    },
    async cancel(reason) {
      await output?.return?.(); // destroys the zlib stream
      await source.cancel(reason);
    },
  });

  async function start(): Promise<AsyncIterator<Uint8Array>> {
    let head: Uint8Array = new Uint8Array(0);
    // The first two bytes tell a zlib header from raw deflate.
    while (head.byteLength < 2) {
      const { done, value } = await source.read();
      if (done) break;
      head = head.byteLength === 0 ? value : concat(head, value);
    }
    if (head.byteLength === 0) return (async function* () {})();
    const zlib = coding === "x-gzip"
      ? createGunzip()
      : isZlib(head)
      ? createInflate()
      : createInflateRaw();
    feed(zlib, head);
    // Read on demand: zlib decodes no further than its 16 KB of output waiting to be read.
    return zlib[Symbol.asyncIterator]();
  }

  /** Writes the body into `zlib` as it is read (waiting while zlib's input is full). */
  async function feed(zlib: Transform, head: Uint8Array): Promise<void> {
    try {
      let chunk: Uint8Array | undefined = head;
      while (chunk !== undefined && !zlib.destroyed) {
        if (!zlib.write(chunk)) await once(zlib, "drain");
        chunk = (await source.read()).value;
      }
      zlib.end();
    } catch (error) {
      zlib.destroy(error as Error); // the network's error, for the reader
    }
  }
}

/** A zlib header (RFC 1950): method 8 (deflate), a window of at most 32 KB, a valid check. */
function isZlib(bytes: Uint8Array): boolean {
  const [cmf = 0, flg = 0] = bytes;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a);
  joined.set(b, a.byteLength);
  return joined;
}
