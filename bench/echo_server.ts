/**
 * The benchmark's server: a separate process answering every request with the
 * same small JSON, so that what the contenders measure is their own client side.
 * Listens on 127.0.0.1 only, prints its port as one JSON line on stdout, and
 * stops by itself when standard input closes (the bench is gone), after
 * `--idle` seconds without a request, or after `--ttl` seconds in all.
 * `--latency MS` holds every answer that long (a slow API).
 *
 * Usage: `deno run --allow-net bench/echo_server.ts [--latency 0] [--idle 120] [--ttl 1800]`
 *
 * @module
 */

const ANSWER = JSON.stringify({ ok: true, results: [{ title: "sluice", score: 1 }] });
const HEADERS = { "content-type": "application/json" };

function option(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(Deno.args[at + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Cannot parse --${name} as a number of at least 0: current value is '${Deno.args[at + 1]}'`,
    );
  }
  return value;
}

if (import.meta.main) {
  const latencyMs = option("latency", 0);
  const idleS = option("idle", 120);
  const ttlS = option("ttl", 1800);
  let lastRequest = Date.now();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      lastRequest = Date.now();
      // Read the body so that the connection is reused cleanly.
      if (request.body) await request.arrayBuffer();
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return new Response(ANSWER, { headers: HEADERS });
    },
  );
  await Deno.stdout.write(
    new TextEncoder().encode(JSON.stringify({ port: server.addr.port }) + "\n"),
  );
  const ttl = setTimeout(() => Deno.exit(0), ttlS * 1000);
  const idle = setInterval(() => {
    if (Date.now() - lastRequest > idleS * 1000) Deno.exit(0);
  }, 1000);
  // The parent holds our stdin open; EOF means it is gone.
  for await (const _ of Deno.stdin.readable) { /* nothing to read */ }
  clearTimeout(ttl);
  clearInterval(idle);
  await server.shutdown();
}
