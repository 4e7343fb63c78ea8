/**
 * The benchmark's server: a separate process answering every request with the
 * same small JSON, so that what the contenders measure is their own client side.
 * Listens on 127.0.0.1 only, prints its port as one JSON line on stdout, and
 * stops by itself when standard input closes (the bench is gone) or after
 * `--ttl` seconds.
 *
 * Usage: `deno run --allow-net bench/echo_server.ts [--ttl 1800]`
 *
 * @module
 */

const ANSWER = JSON.stringify({ ok: true, results: [{ title: "sluice", score: 1 }] });
const HEADERS = { "content-type": "application/json" };

if (import.meta.main) {
  const ttlIndex = Deno.args.indexOf("--ttl");
  const ttlS = ttlIndex >= 0 ? Number(Deno.args[ttlIndex + 1]) : 1800;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      // Read the body so that the connection is reused cleanly.
      if (request.body) await request.arrayBuffer();
      return new Response(ANSWER, { headers: HEADERS });
    },
  );
  await Deno.stdout.write(
    new TextEncoder().encode(JSON.stringify({ port: server.addr.port }) + "\n"),
  );
  const ttl = setTimeout(() => Deno.exit(0), ttlS * 1000);
  // The parent holds our stdin open; EOF means it is gone.
  for await (const _ of Deno.stdin.readable) { /* nothing to read */ }
  clearTimeout(ttl);
  await server.shutdown();
}
