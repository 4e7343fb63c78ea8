/**
 * Refuses requests whose `Host` is not the dashboard's own address. A page on
 * any website can point its own name at 127.0.0.1 (DNS rebinding) and then
 * read the dashboard as same-origin; its requests still carry its own name as
 * `Host`, which is how they are told apart.
 *
 * @module
 */
import type { MiddlewareHandler } from "../deps.ts";

/** The loopback names a dashboard bound to loopback answers to. */
export const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

/**
 * A middleware answering 403 to a request whose `Host` matches none of
 * `allowedHosts`. An entry `name:port` matches that exact host and port, a bare
 * `name` any port, and `*` anything (for a wildcard bind, where the name
 * browsers use cannot be known and the token guards every page instead).
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { hostCheck } from "./host_check.ts";
 * import assert from "node:assert/strict";
 * const app = new Hono().use(hostCheck(["127.0.0.1:8788"])).get("/", (c) => c.text("ok"));
 * const ours = await app.request("/", { headers: { host: "127.0.0.1:8788" } });
 * assert.equal(ours.status, 200);
 * const rebound = await app.request("/", { headers: { host: "evil.example:8788" } });
 * assert.equal(rebound.status, 403);
 * ```
 */
export function hostCheck(allowedHosts: readonly string[]): MiddlewareHandler {
  const anyHost = allowedHosts.includes("*");
  const rules = allowedHosts.filter((entry) => entry !== "*").map((entry) => {
    const url = parseHost(entry);
    if (!url) {
      throw new TypeError(`Cannot parse allowed host: current value is '${entry}'`);
    }
    return { url, withPort: /:\d+$/.test(entry) };
  });
  return async (c, next) => {
    if (!anyHost) {
      const url = parseHost(c.req.header("host") ?? new URL(c.req.url).host);
      const allowed = url !== undefined &&
        rules.some((rule) =>
          rule.withPort ? rule.url.host === url.host : rule.url.hostname === url.hostname
        );
      if (!allowed) {
        return c.text("Host not allowed: this dashboard answers to its own address only.", 403);
      }
    }
    await next();
  };
}

/**
 * The hosts a dashboard bound to `hostname` answers to: the loopback names
 * when bound to loopback, `*` for a wildcard bind, else `hostname` alone; with
 * `:port` unless the port is 0 (picked by the system, unknown before binding).
 *
 * @example Usage
 * ```ts
 * import { boundHosts } from "./host_check.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(boundHosts("127.0.0.1", 8788), ["127.0.0.1:8788", "localhost:8788", "[::1]:8788"]);
 * assert.deepEqual(boundHosts("0.0.0.0", 8788), ["*"]);
 * assert.deepEqual(boundHosts("::1", 0), ["127.0.0.1", "localhost", "[::1]"]);
 * ```
 */
export function boundHosts(hostname: string, port: number): string[] {
  const name = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
  if (name === "0.0.0.0" || name === "[::]") return ["*"];
  const names = LOOPBACK_HOSTS.includes(name) ? LOOPBACK_HOSTS : [name];
  return names.map((n) => port ? `${n}:${port}` : n);
}

function parseHost(host: string): URL | undefined {
  const url = URL.parse(`http://${host}`);
  // Anything beyond a name and a port (a path, credentials) is not a Host.
  return url && url.href === `http://${url.host}/` ? url : undefined;
}
