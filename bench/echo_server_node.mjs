/**
 * The benchmark's second server: Node's own `http` module in its own process,
 * answering every request with the same small JSON as bench/echo_server.ts, so
 * that a ratio measured against one server can be checked against another.
 * Listens on 127.0.0.1 only and prints its port as one JSON line on stdout.
 * Bounded: it exits when standard input closes (the bench is gone), after
 * `--idle` seconds without a request, or after `--ttl` seconds in all.
 * `--latency MS` holds every answer that long (a slow API).
 *
 * Usage: `node bench/echo_server_node.mjs [--latency 0] [--idle 120] [--ttl 3600]`
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import process from "node:process";

const ANSWER = JSON.stringify({ ok: true, results: [{ title: "sluice", score: 1 }] });
const HEADERS = {
  "content-type": "application/json",
  "content-length": Buffer.byteLength(ANSWER),
};

/** The number after `--name`, else `fallback`. */
function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Cannot parse --${name} as a number of at least 0: current value is '${
        process.argv[at + 1]
      }'`,
    );
  }
  return value;
}

const latencyMs = option("latency", 0);
const idleS = option("idle", 120);
const ttlS = option("ttl", 3600);

let lastRequest = Date.now();
const server = createServer((request, response) => {
  lastRequest = Date.now();
  // Read the body so that the keep-alive connection is reused cleanly.
  request.on("data", () => {});
  request.on("end", () => {
    const answer = () => {
      response.writeHead(200, HEADERS);
      response.end(ANSWER);
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
// Whichever bound comes first: the parent gone, idle too long, lived too long.
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
setTimeout(stop, ttlS * 1000).unref();
setInterval(() => {
  if (Date.now() - lastRequest > idleS * 1000) stop();
}, 1000).unref();
