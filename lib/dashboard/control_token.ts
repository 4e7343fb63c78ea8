/**
 * The dashboard's control token, kept out of every page (Jupyter's way): the
 * address printed at start carries it once as `?token=`; that request sets an
 * HttpOnly, SameSite=Strict cookie and is redirected to the same address
 * without it, so no page, history entry or script ever holds the token.
 * Tools send `Authorization: Bearer <token>` instead. Tokens are compared in
 * constant time (hono's `timingSafeEqual`), and an empty token never matches.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "../deps.ts";
import { getCookie, setCookie } from "../deps.ts";
import { timingSafeEqual } from "../deps.ts";

/** Options for {@linkcode controlToken}. */
export interface ControlTokenOptions {
  /** The token; missing or empty means nobody holds it, so nothing needs it can be done. @default undefined */
  token?: string | undefined;
  /** Require the token on every request but the assets (when served beyond loopback). @default false */
  tokenForReads?: boolean;
}

/** What {@linkcode controlToken} returns: a middleware and the checks routes make. */
export interface ControlToken {
  /** Trades a `?token=` for the cookie; refuses reads without the token when told to. */
  middleware: MiddlewareHandler;
  /** Whether the request carries the token as a bearer header or the cookie. */
  presented(c: Context): Promise<boolean>;
  /**
   * Whether the request may change state: the token as a bearer header, a
   * `token` form field or query parameter, or the cookie together with proof
   * that the request comes from the dashboard's own page (cross-site request
   * forgery): `X-Sluice-Request: 1`, `Sec-Fetch-Site: same-origin`, or an
   * `Origin` equal to the dashboard's.
   */
  mayControl(c: Context, formToken?: string): Promise<boolean>;
}

/**
 * Builds the token checks of the dashboard.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { controlToken } from "./control_token.ts";
 * import assert from "node:assert/strict";
 * const gate = controlToken({ token: "s3cret" });
 * const app = new Hono().use(gate.middleware).get("/", async (c) => c.text(String(await gate.presented(c))));
 * const first = await app.request("/?token=s3cret");
 * assert.equal(first.status, 303);
 * assert.equal(first.headers.get("location"), "/");
 * const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
 * assert.equal(await (await app.request("/", { headers: { cookie } })).text(), "true");
 * ```
 */
export function controlToken(options: ControlTokenOptions = {}): ControlToken {
  const { token, tokenForReads = false } = options;
  if (tokenForReads && !token) {
    throw new TypeError("Cannot require a token on reads without one: current value is ''");
  }
  const matches = async (presented: string | undefined) =>
    Boolean(token && presented) && await timingSafeEqual(token!, presented!);
  const bearer = (c: Context) => c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];

  async function presented(c: Context): Promise<boolean> {
    return await matches(bearer(c)) || await matches(getCookie(c, cookieName(c)));
  }

  async function mayControl(c: Context, formToken?: string): Promise<boolean> {
    if (await matches(bearer(c) ?? formToken ?? c.req.query("token"))) return true;
    return fromOwnPage(c) && await matches(getCookie(c, cookieName(c)));
  }

  const middleware: MiddlewareHandler = async (c, next) => {
    const reading = c.req.method === "GET" || c.req.method === "HEAD";
    const offered = reading ? c.req.query("token") : undefined;
    if (offered !== undefined) {
      if (!(await matches(offered))) return c.text(STALE, 401);
      setCookie(c, cookieName(c), token!, { httpOnly: true, sameSite: "Strict", path: "/" });
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(url.pathname + url.search, 303);
    }
    // State-changing routes check mayControl() themselves, with their form.
    if (tokenForReads && reading && !c.req.path.startsWith("/assets/") && !(await presented(c))) {
      return c.text(REQUIRED, 401);
    }
    await next();
  };

  return { middleware, presented, mayControl };
}

const STALE = "This token does not match the dashboard's (a new one is made at every start): " +
  "open the address printed at start.";
const REQUIRED = "Token required: open the address printed at start, " +
  "or send it as 'Authorization: Bearer <token>'.";

// Cookies ignore ports: two dashboards on one host would overwrite each other's cookie.
function cookieName(c: Context): string {
  const port = new URL(c.req.url).port;
  return port ? `sluice_token_${port}` : "sluice_token";
}

// Browsers send Sec-Fetch-Site on every request today and Origin on POSTs; neither
// can be forged by a page, and a custom header from another origin needs a CORS
// preflight, which this app never grants.
function fromOwnPage(c: Context): boolean {
  if (c.req.header("x-sluice-request") === "1") return true;
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  return c.req.header("origin") === new URL(c.req.url).origin;
}
