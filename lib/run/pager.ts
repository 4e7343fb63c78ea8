/**
 * Follow-up pages: from a page's 2xx answer, what its query's next page is
 * (`--next`, or a function), and how a page after the first is sent. Plain
 * data in and out: the attempt asks, the result writer inserts the next
 * page's item in the transaction that stores the answer naming it.
 *
 * @module
 */
import { parseExactJson } from "../job/exact_json.ts";
import { type NextRequest, type NextSpec, parseNextSpec, saysMorePages } from "../job/next_spec.ts";
import { PAGE_VARS, type PageVars } from "../job/parse_placeholders.ts";
import { redactSecrets } from "../job/redact_secrets.ts";
import type { CompiledTemplate, RenderedRequest } from "../job/template.ts";
import { linkWithRel } from "../http/link_header.ts";
import { saysLastPage } from "../job/last_page_flags.ts";
import type { ProcessorAnswer } from "../process/processor.ts";
import type { ClaimedItem } from "../store/queue.ts";
import { isRecord } from "../util/is_record.ts";
import { readJsonPath } from "../util/json_path.ts";
import { withEnvNames, withEnvValues } from "./env_in_url.ts";

/**
 * A function naming a query's next page from a page's 2xx answer and the
 * query: its URL, the variables its request is rendered with (over the
 * query's), or a cursor for `{{page.cursor}}`; nothing when this page is the
 * last.
 */
export type NextFunction = (
  answer: ProcessorAnswer,
  query: Record<string, unknown>,
) => NextRequest | undefined | null | Promise<NextRequest | undefined | null>;

/** What a page's answer means for its query's pages. */
export type PageStep =
  /** No next page: the query is done with this one. */
  | { kind: "last" }
  /** The next page, as its item stores it: how its request differs (JSON), null for a number. */
  | { kind: "next"; request: string | null }
  /** A next page was named and is not followed: seen already, or past `--max-pages`. */
  | { kind: "end"; why: "loop" | "max_pages" }
  /** The next page named is one sluice will not fetch: this page fails (class `next`). */
  | { kind: "refused"; reason: string };

/** A page's answer as the pager reads it. */
export interface PageAnswer {
  /** The HTTP status (2xx). */
  status: number;
  /** Every response header. */
  headers: Headers | undefined;
  /** The body as received. */
  body: string | Uint8Array | undefined;
  /** The URL that answered, after redirects: relative next URLs are resolved against it. */
  url: string;
  /** The URL this page's request went to. */
  sentUrl: string;
  /** The URL the template gives the query (its first page's): the origin pages keep to. */
  queryUrl: string;
  /** When it was answered (epoch ms). */
  at: number;
  /** Secret values the request held, kept out of messages. */
  secrets: readonly string[];
  /**
   * The request's `{{env.NAME}}` values by name: a next URL that holds one
   * is stored with the name in its place, and the value put back when sent.
   *
   * @default {none}
   */
  env?: ReadonlyMap<string, string>;
}

/** Options for {@linkcode Pager}. */
export interface PagerOptions {
  /** Pages per query at most. @default {100} */
  maxPages?: number;
  /** Follow next URLs to another origin (without the request's credentials). @default {false} */
  crossOrigin?: boolean;
}

const CREDENTIALS = new Set(["authorization", "cookie", "proxy-authorization"]);
/** A `page:` spec's next page: its number alone says what it is. */
const NUMBERED: NextRequest = Object.freeze({ vars: {} });
const decoder = new TextDecoder();

/**
 * Finds queries' next pages and renders pages after the first.
 *
 * @example Usage
 * ```ts
 * import { Pager } from "./pager.ts";
 * import assert from "node:assert/strict";
 * const pager = new Pager("url:$.links.next");
 * const item = { id: 1, seq: 0, key: "a", vars: {}, attempts: 0, throttled: 0 };
 * const answer = {
 *   status: 200, headers: new Headers(), body: '{"links":{"next":"/s?page=2"}}',
 *   url: "http://api.test/s", sentUrl: "http://api.test/s", queryUrl: "http://api.test/s",
 *   at: 0, secrets: [],
 * };
 * assert.deepEqual(await pager.step(answer, item), {
 *   kind: "next",
 *   request: '{"url":"http://api.test/s?page=2"}',
 * });
 * ```
 */
export class Pager {
  readonly #spec: NextSpec | NextFunction;
  readonly #maxPages: number;
  readonly #crossOrigin: boolean;

  /** Pages as `next` says: a `--next` spec, parsed, or a function. */
  constructor(next: string | NextSpec | NextFunction, options: PagerOptions = {}) {
    const { maxPages = 100, crossOrigin = false } = options;
    this.#spec = typeof next === "string" ? parseNextSpec(next, "--next") : next;
    this.#maxPages = maxPages;
    this.#crossOrigin = crossOrigin;
  }

  /** True when the next page comes as a cursor (`{{page.cursor}}` has a value to take). */
  get givesCursor(): boolean {
    return typeof this.#spec === "function" || this.#spec.kind === "cursor";
  }

  /**
   * What `answer`, a 2xx answer to `item`'s page, says of the query's next
   * page. A function that throws refuses the page with its message.
   */
  async step(answer: PageAnswer, item: ClaimedItem): Promise<PageStep> {
    let named: NextRequest | undefined;
    try {
      named = await this.#named(answer, item);
    } catch (error) {
      return { kind: "refused", reason: `next: ${(error as Error)?.message ?? String(error)}` };
    }
    if (named === undefined) return { kind: "last" };
    return this.#checked(named, answer, item);
  }

  /**
   * The step for a next page named by a processor (its rows' `next`) in
   * place of the spec: null for none, else `{ url }`, `{ vars }` or
   * `{ cursor }`, checked as the spec's are.
   */
  named(named: unknown, answer: PageAnswer, item: ClaimedItem): PageStep {
    if (named === null) return { kind: "last" };
    if (!isNextRequest(named)) {
      return {
        kind: "refused",
        reason: `next: the processor returned next ${
          JSON.stringify(named)?.slice(0, 200)
        }: expected { url }, { vars }, { cursor } or null`,
      };
    }
    return this.#checked(named, answer, item);
  }

  /**
   * The request of `item`, rendered from `template`: the first page's as
   * the query gives it; a later page's with `{{page.number}}`, its cursor or
   * variables, and the URL the previous answer gave. To another origin, it
   * carries none of the request's credentials. `queryUrl` is the URL the
   * template gives the query: the origin its pages keep to.
   *
   * @throws {TypeError} As `template.render` does, or when a body holding a
   * secret would go to another origin.
   */
  render(
    template: CompiledTemplate,
    item: ClaimedItem,
    env: (name: string) => string | undefined,
  ): { request: RenderedRequest; queryUrl: string } {
    const next = item.next;
    if (!item.page || item.page === 1) {
      const request = template.render(item.vars, env);
      return { request, queryUrl: request.url };
    }
    const page: PageVars = {
      number: item.page,
      cursor: next && "cursor" in next ? next.cursor : null,
    };
    const vars = {
      ...item.vars,
      ...(next && "vars" in next ? next.vars : {}),
      [PAGE_VARS]: page,
    };
    const request = template.render(vars, env);
    const queryUrl = request.url;
    if (!next || !("url" in next)) return { request, queryUrl };
    const url = withEnvValues(next.url, env);
    if (URL.parse(queryUrl)?.origin !== new URL(url).origin) withoutCredentials(request);
    request.url = url;
    return { request, queryUrl };
  }

  /** The next request the answer names, if any. */
  async #named(answer: PageAnswer, item: ClaimedItem): Promise<NextRequest | undefined> {
    const spec = this.#spec;
    if (typeof spec === "function") {
      const named = await spec(functionAnswer(answer, item), item.vars);
      if (named === undefined || named === null) return undefined;
      if (!isNextRequest(named)) {
        throw new TypeError(
          `the next function returned ${JSON.stringify(named)}: expected { url }, { vars }, ` +
            `{ cursor } or nothing`,
        );
      }
      return named;
    }
    const page = item.page ?? 1;
    const body = spec.kind !== "link" || spec.while ? bodyJson(answer.body) : undefined;
    // `while $.has_more` (or results not empty) says no: the query has no more pages.
    if (spec.while) {
      if (!saysMorePages(readJsonPath(body, spec.while), page)) return undefined;
    } else if (spec.kind !== "link" && saysLastPage(body, spec.path, page, spec.kind === "page")) {
      // Without one, a has_more: false (or a page count reached) beside the path says so.
      return undefined;
    }
    if (spec.kind === "link") {
      const link = answer.headers?.get("link");
      const target = link ? linkWithRel(link, "next") : undefined;
      return target ? { url: target } : undefined;
    }
    const value = readJsonPath(body, spec.path);
    if (isEmpty(value)) return undefined;
    if (spec.kind === "page") return saysMorePages(value, page) ? NUMBERED : undefined;
    if (spec.kind === "cursor") return { cursor: value };
    if (typeof value !== "string") {
      throw new TypeError(`the value at ${spec.path.text} is not a URL: ${JSON.stringify(value)}`);
    }
    return { url: value };
  }

  /** The step for a next request named: refused, a loop, past the last page, or the next. */
  #checked(named: NextRequest, answer: PageAnswer, item: ClaimedItem): PageStep {
    let request: NextRequest = named;
    if ("url" in named) {
      const shown = redactSecrets(String(named.url), answer.secrets).slice(0, 200);
      const url = URL.parse(String(named.url), answer.url);
      if (url === null) return { kind: "refused", reason: `next: not a URL: ${shown}` };
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return {
          kind: "refused",
          reason: `next: a ${url.protocol} URL is not fetched (only http and https): ${shown}`,
        };
      }
      if (!this.#crossOrigin && url.origin !== URL.parse(answer.queryUrl)?.origin) {
        return {
          kind: "refused",
          reason: `next: the next page is at another origin (${
            redactSecrets(url.origin, answer.secrets)
          }); --next-cross-origin follows it, without the request's credentials`,
        };
      }
      const seen = [answer.sentUrl, answer.url, answer.queryUrl];
      if (seen.some((text) => URL.parse(text)?.href === url.href)) {
        return { kind: "end", why: "loop" };
      }
      request = { url: withEnvNames(url.href, answer.env) };
    }
    const page = item.page ?? 1;
    const text = named === NUMBERED ? null : JSON.stringify(request);
    if (text !== null && item.next && text === JSON.stringify(item.next)) {
      return { kind: "end", why: "loop" };
    }
    if (page >= this.#maxPages) return { kind: "end", why: "max_pages" };
    return { kind: "next", request: text };
  }
}

/** Drops what must not go to another origin: credentials, and headers holding a secret. */
function withoutCredentials(request: RenderedRequest): void {
  const secrets = request.secrets ?? [];
  const holds = (text: string) => redactSecrets(text, secrets) !== text;
  for (const name of Object.keys(request.headers)) {
    if (CREDENTIALS.has(name.toLowerCase()) || holds(request.headers[name]!)) {
      delete request.headers[name];
    }
  }
  if (request.body !== undefined && holds(request.body)) {
    throw new TypeError(
      "Cannot send the next page to another origin: the request's body holds a secret " +
        "({{env.NAME}}) that would go with it",
    );
  }
}

/** The body as JSON (numbers beyond 2^53 exact), or undefined when it is not JSON. */
function bodyJson(body: string | Uint8Array | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    return parseExactJson(typeof body === "string" ? body : decoder.decode(body));
  } catch {
    return undefined;
  }
}

/** No next page: missing, null, false, an empty string, array or object. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function isNextRequest(value: unknown): value is NextRequest {
  if (!isRecord(value)) return false;
  if ("url" in value) return typeof value.url === "string";
  if ("vars" in value) return isRecord(value.vars);
  return "cursor" in value;
}

/** The answer as a next function (and a processor) sees it. */
function functionAnswer(answer: PageAnswer, item: ClaimedItem): ProcessorAnswer {
  const text = typeof answer.body === "string" ? answer.body : null;
  const headers: Record<string, string> = {};
  answer.headers?.forEach((value, name) => headers[name] = value);
  const body = bodyJson(answer.body);
  return {
    key: item.key,
    page: item.page ?? 1,
    status: answer.status,
    body: body === undefined ? text : body,
    text,
    headers,
    url: answer.url,
    at: answer.at,
  };
}
