/**
 * A small hostile server on 127.0.0.1 for tests: gzip bombs, broken gzip,
 * redirects to `file:`, `data:` and `ftp:` URLs or to another origin, a quota
 * used up until next week, and an echo of the request's headers.
 *
 * @module
 */
import { gzipSync } from "node:zlib";

/** Routes of {@linkcode serveHostile}, by path. */
export const ROUTES = {
  /** 200, `content-encoding: gzip`: `bombBytes` of zeros, compressed. */
  bomb: "/bomb",
  /** 200, `content-encoding: gzip`: a gzip stream cut after 20 bytes. */
  brokenGzip: "/broken-gzip",
  /** 302 to `file:///etc/passwd`. */
  toFile: "/to-file",
  /** 302 to a `data:` URL. */
  toData: "/to-data",
  /** 302 to an `ftp:` URL. */
  toFtp: "/to-ftp",
  /** 302 (or `?status=`) to `?to=` (another origin, say). */
  redirect: "/redirect",
  /** 200, the request's headers as a JSON object. */
  echo: "/echo",
  /** 200 with `X-RateLimit-Remaining: 0` and a reset a week away. */
  quotaWeek: "/quota-week",
  /** 200 with a 1 MB body that is not gzip-encoded. */
  plainMegabyte: "/plain-megabyte",
} as const;

/** A running {@linkcode serveHostile} server. */
export interface HostileServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Requests received, path and query, in order. */
  requests: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Options for {@linkcode serveHostile}. */
export interface ServeHostileOptions {
  /** Decoded size of a gzip bomb. @default 100_000_000 */
  bombBytes?: number;
  /** Answers a path the routes do not know; 404 otherwise. @default undefined */
  fallback?: (request: Request) => Response | Promise<Response>;
}

const bombs = new Map<number, Uint8Array<ArrayBuffer>>();

/** Zeros, gzipped once per size (100 MB take a few tenths of a second). */
export function gzipBomb(bytes: number): Uint8Array<ArrayBuffer> {
  let bomb = bombs.get(bytes);
  if (!bomb) {
    bomb = new Uint8Array(gzipSync(new Uint8Array(bytes), { level: 9 }));
    bombs.set(bytes, bomb);
  }
  return bomb;
}

/** Serves the hostile routes on 127.0.0.1, on a free port. */
export function serveHostile(options: ServeHostileOptions = {}): HostileServer {
  const { bombBytes = 100_000_000, fallback } = options;
  const requests: string[] = [];
  const gzip = { "content-encoding": "gzip", "content-type": "application/json" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url.pathname + url.search);
    const to = (location: string, status = 302) =>
      new Response(null, { status, headers: { location } });
    switch (url.pathname) {
      case ROUTES.bomb:
        return new Response(gzipBomb(bombBytes), { headers: gzip });
      case ROUTES.brokenGzip:
        return new Response(gzipBomb(1000).slice(0, 20), { headers: gzip });
      case ROUTES.toFile:
        return to("file:///etc/passwd");
      case ROUTES.toData:
        return to("data:text/plain,planted");
      case ROUTES.toFtp:
        return to("ftp://127.0.0.1/passwd");
      case ROUTES.redirect:
        return to(
          url.searchParams.get("to") ?? "/echo",
          Number(url.searchParams.get("status") ?? 302),
        );
      case ROUTES.echo:
        return Response.json(Object.fromEntries(request.headers));
      case ROUTES.quotaWeek: {
        const reset = Math.ceil(Date.now() / 1000) + 7 * 24 * 3600;
        return Response.json({ ok: true }, {
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
        });
      }
      case ROUTES.plainMegabyte:
        return new Response("x".repeat(1_000_000));
    }
    return fallback ? fallback(request) : new Response("not found", { status: 404 });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}
