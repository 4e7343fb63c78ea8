import assert from "node:assert/strict";
import net from "node:net";
import { readBody } from "../../lib/http/read_body.ts";
import { gzipBomb, ROUTES, serveHostile } from "./_hostile_server.ts";

Deno.test("readBody() stops a 100 KB gzip expanding to 100 MB at the cap, never holding it whole", async () => {
  gzipBomb(100_000_000); // made before measuring: 100 MB of zeros to compress
  const server = serveHostile({ bombBytes: 100_000_000 });
  try {
    const before = Deno.memoryUsage().rss;
    const response = await fetch(server.origin + ROUTES.bomb);
    assert.ok(Number(response.headers.get("content-length")) < 200_000, "the wire size is small");
    const reading = await readBody(response, { maxBytes: 1_000_000 });
    assert.deepEqual(reading, { kind: "too_large" });
    const grown = Deno.memoryUsage().rss - before;
    assert.ok(grown < 50_000_000, `RSS grew by ${grown} bytes reading one bomb`);
  } finally {
    await server.close();
  }
});

Deno.test("readBody() reads a gzip body under the cap, counting its decoded size", async () => {
  const server = serveHostile({ bombBytes: 500_000 });
  try {
    const under = await readBody(await fetch(server.origin + ROUTES.bomb), { maxBytes: 500_000 });
    // Zeros: not text (NULs), kept as the bytes received.
    assert.deepEqual(under, { kind: "body", body: new Uint8Array(500_000) });
    const over = await readBody(await fetch(server.origin + ROUTES.bomb), { maxBytes: 499_999 });
    assert.deepEqual(over, { kind: "too_large" });
  } finally {
    await server.close();
  }
});

Deno.test("readBody() refuses an unencoded body by its Content-Length before reading it", async () => {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(10));
    },
  });
  const response = new Response(body, { headers: { "content-length": "2000000" } });
  assert.deepEqual(await readBody(response, { maxBytes: 1_000_000 }), { kind: "too_large" });
  assert.ok(pulled <= 1, `read ${pulled} chunks`);
});

Deno.test("readBody() counts an unencoded body without Content-Length as it reads", async () => {
  const server = serveHostile();
  try {
    const response = await fetch(server.origin + ROUTES.plainMegabyte);
    assert.deepEqual(await readBody(response, { maxBytes: 999_999 }), { kind: "too_large" });
  } finally {
    await server.close();
  }
});

Deno.test("readBody() tells a broken gzip stream (invalid) from a broken connection (thrown)", async () => {
  const server = serveHostile();
  try {
    const broken = await readBody(await fetch(server.origin + ROUTES.brokenGzip));
    assert.equal(broken.kind, "invalid");
  } finally {
    await server.close();
  }
  // A raw socket that promises 1000 bytes, sends 5 and hangs up.
  const raw = net.createServer((socket) => {
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nhello");
      socket.end();
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = raw.address() as net.AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    // The network's: a NetworkError whose cause is fetch's TypeError.
    await assert.rejects(readBody(response), (error: Error) => {
      assert.equal(error.name, "NetworkError");
      assert.ok(error.cause instanceof TypeError);
      return true;
    });
  } finally {
    await new Promise((resolve) => raw.close(resolve));
  }
});

Deno.test("readBody() keeps text in the declared charset as text, and bytes that are not text as bytes", async () => {
  const latin1 = new Response(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), {
    headers: { "content-type": "text/plain; charset=ISO-8859-1" },
  });
  assert.deepEqual(await readBody(latin1), { kind: "body", body: "café" });
  const invalid = new Uint8Array([0x61, 0xff, 0x62]);
  const unknown = new Response(invalid, {
    headers: { "content-type": "application/json; charset=no-such-charset" },
  });
  assert.deepEqual(await readBody(unknown), { kind: "body", body: invalid });
  const cut = new Uint8Array([0x61, 0xc3, 0x62]);
  assert.deepEqual(await readBody(new Response(cut)), { kind: "body", body: cut });
  const nul = new TextEncoder().encode('{"a":"x\u0000y"}\u0000tail');
  assert.deepEqual(await readBody(new Response(nul)), { kind: "body", body: nul });
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
  assert.deepEqual(await readBody(new Response(bom)), { kind: "body", body: "\uFEFF{}" });
});

Deno.test("readBody() keeps a streamed body's bytes whole, across chunks and charsets", async () => {
  // Over the first buffer (64 KiB), in chunks that split a UTF-8 character.
  const text = "é".repeat(70_000);
  const bytes = new TextEncoder().encode(text);
  const chunked = (all: Uint8Array, contentType?: string) =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < all.length; at += 4097) {
            controller.enqueue(all.slice(at, at + 4097));
          }
          controller.close();
        },
      }),
      contentType ? { headers: { "content-type": contentType } } : {},
    );
  assert.deepEqual(await readBody(chunked(bytes)), { kind: "body", body: text });
  const binary = bytes.slice();
  binary[100_000] = 0xff;
  assert.deepEqual(await readBody(chunked(binary)), { kind: "body", body: binary });
  assert.deepEqual(await readBody(chunked(binary), { maxBytes: bytes.length - 1 }), {
    kind: "too_large",
  });
  const latin1 = new Uint8Array(100_000).fill(0xe9);
  assert.deepEqual(await readBody(chunked(latin1, "text/plain; charset=latin1")), {
    kind: "body",
    body: "é".repeat(100_000),
  });
});
