/**
 * Compressed answers from a local server, through send(): gzip and br come
 * decoded from Deno's fetch; deflate (zlib-wrapped, and raw as many servers
 * send it) and x-gzip are decoded by sluice; a broken deflate stream is
 * body_invalid (cut short too) and a deflate bomb body_too_large, never
 * held whole.
 */
import assert from "node:assert/strict";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { send } from "./_send_fields.ts";
import type { RenderedRequest } from "../../lib/job/template.ts";

const TEXT = JSON.stringify({ results: Array.from({ length: 200 }, (_, i) => `héllo ${i}`) });

/** Encodings by path: the body bytes and the Content-Encoding they are sent with. */
const ROUTES: Record<string, [() => Uint8Array, string]> = {
  "/zlib": [() => deflateSync(TEXT), "deflate"],
  "/raw": [() => deflateRawSync(TEXT), "deflate"],
  "/upper": [() => deflateRawSync(TEXT), " Deflate "],
  "/gzip": [() => gzipSync(TEXT), "gzip"],
  "/x-gzip": [() => gzipSync(TEXT), "x-gzip"],
  "/br": [() => brotliCompressSync(TEXT), "br"],
  "/broken": [() => new Uint8Array([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]), "deflate"],
  "/cut": [() => deflateSync(TEXT).subarray(0, 40), "deflate"],
  "/empty": [() => new Uint8Array(0), "deflate"],
  "/bomb": [() => deflateSync(new Uint8Array(50_000_000), { level: 9 }), "deflate"],
};

async function withServer(fn: (origin: string, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    seen.push(`${path} ${request.headers.get("accept-encoding")}`);
    const route = ROUTES[path];
    if (!route) return new Response("not found", { status: 404 });
    const [bytes, encoding] = route;
    return new Response(new Uint8Array(bytes()), {
      headers: { "content-encoding": encoding, "content-type": "application/json" },
    });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

const get = (url: string): RenderedRequest => ({
  url,
  method: "GET",
  headers: {},
  body: undefined,
});

Deno.test("send() decodes deflate (zlib-wrapped and raw), x-gzip, gzip and br answers", async () => {
  await withServer(async (origin, seen) => {
    for (const path of ["/zlib", "/raw", "/upper", "/gzip", "/x-gzip", "/br"]) {
      const result = await send(get(origin + path));
      assert.equal(result.failure, undefined, path);
      assert.equal(result.body, TEXT, path);
    }
    // What sluice asks for: Deno's fetch sets it when the request has none.
    assert.equal(seen[0], "/zlib gzip,br");
  });
});

Deno.test("send() fails a broken or cut deflate body as body_invalid, and a deflate bomb at the cap", async () => {
  await withServer(async (origin) => {
    for (const path of ["/broken", "/cut"]) {
      const broken = await send(get(origin + path));
      assert.deepEqual([broken.status, broken.failure?.kind, broken.body], [
        200,
        "body_invalid",
        undefined,
      ], path);
      assert.match(broken.failure!.message, /^response body not decodable as deflate: /);
    }
    assert.equal((await send(get(`${origin}/empty`))).body, "");
    const bomb = await send(get(`${origin}/bomb`), { maxBodyBytes: 1_000_000 });
    assert.deepEqual([bomb.status, bomb.failure?.kind], [200, "body_too_large"]);
  });
});
