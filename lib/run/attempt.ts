/**
 * One attempt at one item: wait for the limiter's grant, render the request,
 * send it, and decide what happens to the item next. The result is plain
 * data, the item's new state and response row ({@linkcode ItemUpdate}), for
 * the result writer to commit; nothing here touches the database.
 *
 * @module
 */
import type { CompiledTemplate, RenderedRequest } from "../job/template.ts";
import { redactAnswer } from "../job/redact_answer.ts";
import { redactSecrets } from "../job/redact_secrets.ts";
import { selectHeaders, send, type SendResult } from "../http/send.ts";
import type { Cost, RateLimiter } from "../rate/rate_limiter.ts";
import type { ClaimedItem } from "../store/queue.ts";
import type { ItemUpdate, ResponseRow } from "../store/results.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { failureClass } from "../store/failure_class.ts";
import { decideOutcome, type Outcome, type OutcomePolicy } from "./outcome.ts";
import type { PageAnswer, Pager } from "./pager.ts";
import { type HttpPlan, httpPlan } from "./run_plan.ts";
import type { RunStats } from "./run_stats.ts";

/**
 * Options for {@linkcode createAttempt}: the run's http group (how requests
 * are sent and kept, run_plan.ts; each with the run settings' default), and
 * what an attempt works with.
 */
export interface AttemptOptions extends Partial<HttpPlan> {
  /** The job's request template. */
  template: CompiledTemplate;
  /** Grants each send, and learns from each answer. */
  limiter: Pick<RateLimiter, "acquire" | "forget" | "observe" | "cooldownUntil">;
  /** Statistics to count each attempt in. */
  stats: Pick<RunStats, "attempt" | "failedUnsent" | "page">;
  /** The job's idempotency prefix: an item's key is `<prefix>:<seq>`. */
  idempotencyPrefix: string;
  /** Retry and throttling policy. @default {} */
  policy?: OutcomePolicy;
  /** Source of time. @default {systemClock} */
  clock?: Clock;
  /** Aborted when no request may start: an item still waiting for its grant goes back unsent. @default {undefined} */
  grantSignal?: AbortSignal;
  /**
   * An item's estimated cost besides the request (`--cost`), reserved with its
   * grant; throwing fails the item unsent (class `render`). @default {undefined} (the limiter's estimate)
   */
  cost?: (vars: Record<string, unknown>) => Cost;
  /**
   * What an answer says it cost (`--usage`): the limiter settles the estimate
   * with it. @default {undefined} (estimates stay spent)
   */
  usage?: (
    answer: { status: number | undefined; headers: Headers | undefined; body: string | undefined },
  ) => Cost;
  /** Abandons a request in flight: the item goes back, possibly sent. @default {undefined} */
  signal?: AbortSignal;
  /** Follows each query's pages (`--next`); without it, a query is one request. @default {undefined} */
  pager?: Pager;
  /**
   * With a pager, makes a processor's rows for a done page as it is
   * answered (`Processing.annotate`), so that the processor's `next` can
   * name the query's next page.
   *
   * @default {undefined}
   */
  annotate?: (update: ItemUpdate, item: ClaimedItem) => Promise<void>;
}

/**
 * Builds `attempt(item)`, which resolves to the item's new state and, when
 * kept, its response row. It rejects only on a programming error.
 *
 * @example Usage
 * ```ts
 * import { createAttempt } from "./attempt.ts";
 * import { compileTemplate } from "../job/template.ts";
 * import { RateLimiter } from "../rate/rate_limiter.ts";
 * import { RunStats } from "./run_stats.ts";
 * import assert from "node:assert/strict";
 * const attempt = createAttempt({
 *   template: compileTemplate({ url: "http://api.test/?q={{q}}" }),
 *   limiter: new RateLimiter(),
 *   stats: new RunStats({ total: 1, done: 0, failed: 0 }),
 *   idempotencyPrefix: "p",
 *   fetch: () => Promise.resolve(new Response("ok")),
 * });
 * const update = await attempt({ id: 1, seq: 0, key: "a", vars: { q: "x" }, attempts: 0, throttled: 0 });
 * assert.equal(update.status, "done");
 * assert.equal(update.response?.body, "ok");
 * ```
 */
export function createAttempt(options: AttemptOptions): (item: ClaimedItem) => Promise<ItemUpdate> {
  const {
    template,
    limiter,
    stats,
    idempotencyPrefix,
    policy = {},
    clock = systemClock,
    grantSignal,
    signal,
    cost,
    usage,
    pager,
    annotate,
    ...http
  } = options;
  // Timeouts on a monotonic clock unless the run gives its deadlines (on its own clock).
  const { keepAttempts, keepSecrets, idempotencyHeader, userAgent, env, ...sending } = httpPlan(
    http,
  );
  const sendOptions = { ...sending, signal };
  let given: Set<string> | undefined;

  /**
   * The item fails unsent, class `render`: its request could not be built, or
   * sluice refused to send it. Its grant is given back, so neither the
   * server's quota nor the circuit breaker counts it.
   */
  function refused(item: ClaimedItem, grant: number, message: string): ItemUpdate {
    const reason = `render: ${message}`;
    stats.failedUnsent(reason);
    limiter.forget(grant);
    return {
      id: item.id,
      status: "failed",
      attempts: item.attempts,
      throttled: item.throttled,
      nextAt: 0,
      lastStatus: null,
      lastError: reason,
      errorClass: "render",
      possiblySent: 0,
      sent: 0,
    };
  }

  /** The item's request, its default headers added; an update when it cannot be built. */
  function requestOf(
    item: ClaimedItem,
    grant: number,
  ): { request: RenderedRequest; queryUrl: string | undefined } | ItemUpdate {
    let request: RenderedRequest;
    let queryUrl: string | undefined;
    try {
      if (pager) ({ request, queryUrl } = pager.render(template, item, env));
      else request = template.render(item.vars, env);
    } catch (error) {
      return refused(item, grant, error instanceof Error ? error.message : String(error));
    }
    // Header names are case-insensitive: a template's own header wins over a default,
    // never merged with it into "theirs, ours". The template fixes the names: look once.
    given ??= new Set(Object.keys(request.headers).map((name) => name.toLowerCase()));
    if (!given.has("user-agent")) request.headers["user-agent"] = userAgent;
    if (idempotencyHeader && !given.has(idempotencyHeader.toLowerCase())) {
      // A query's first page keeps the key a query without pages has.
      request.headers[idempotencyHeader] = item.page! > 1
        ? `${idempotencyPrefix}:${item.seq}:${item.page}`
        : `${idempotencyPrefix}:${item.seq}`;
    }
    return { request, queryUrl };
  }

  /** The limiter learns from what was sent; the outcome says what happens to the item. */
  function outcomeOf(item: ClaimedItem, grant: number, result: Sent, now: number): Outcome {
    const answered = result.kind !== "failed";
    const status = answered ? result.status : undefined;
    const headers = answered ? result.headers : undefined;
    const failure = result.kind === "answer" ? undefined : result.failure;
    if (!answered && failure?.kind !== "timeout" && failure?.kind !== "network") {
      // Refused by sluice after a redirect: no answer of the server's to learn from.
      limiter.forget(grant);
    } else {
      // A body kept as bytes (not text in its charset) reports nothing.
      const body = result.kind === "answer" && typeof result.body === "string"
        ? result.body
        : undefined;
      const used = usage?.({ status, headers, body });
      limiter.observe(grant, { status, headers, now, usage: used });
    }
    return decideOutcome({ status, headers, failure }, item, policy, now);
  }

  /** The item's new state, and its response row when it is kept. */
  function updateOf(
    item: ClaimedItem,
    secrets: readonly string[] | undefined,
    result: Sent,
    outcome: Outcome,
    now: number,
  ): ItemUpdate {
    const answered = result.kind !== "failed";
    const status = answered ? result.status : null;
    const kind = outcome.kind;
    const error = kind === "done" ? null : redactSecrets(outcome.reason, secrets);
    const final = kind === "done" || kind === "failed";
    let response: ResponseRow | undefined;
    if (final || keepAttempts) {
      // The headers and body as stored, and as processing and `onResult` see them:
      // the secrets they echo replaced by `***`.
      const hidden = keepSecrets ? [] : secrets ?? [];
      const body = result.kind === "answer" ? result.body : undefined;
      response = {
        seq: item.seq,
        status,
        durationMs: Math.round(result.durationMs * 100) / 100,
        headers: selectHeaders(answered ? result.headers : undefined, hidden),
        body: body === undefined ? null : redactAnswer(body, hidden),
        url: answered ? redactSecrets(result.url, secrets) : null,
        error,
        at: now,
      };
    }
    let nextAt = 0;
    if (kind === "retry") nextAt = now + outcome.delayMs;
    // The limiter took the job's cooldown from the answer (observe): not before its end.
    else if (kind === "throttled") {
      nextAt = Math.max(now + (outcome.cooldownMs ?? 0), limiter.cooldownUntil);
    }
    const failure = result.kind === "answer" ? undefined : result.failure;
    return {
      id: item.id,
      status: final ? kind : "pending",
      // A throttled attempt does not count against maxAttempts.
      attempts: kind === "throttled" ? item.attempts : item.attempts + 1,
      throttled: kind === "throttled" ? item.throttled + 1 : item.throttled,
      nextAt,
      lastStatus: status,
      lastError: error,
      errorClass: kind === "done" ? null : failureClass(status ?? undefined, failure?.kind),
      possiblySent: 0,
      sent: 1,
      response,
    };
  }

  // The async function holds only what lives across its awaits: the rest is in the
  // functions above, whose locals are not kept in a frame allocated per attempt.
  return async function attempt(item: ClaimedItem): Promise<ItemUpdate> {
    let estimate: Cost | undefined;
    try {
      estimate = cost?.(item.vars);
    } catch (error) {
      return refused(item, 0, error instanceof Error ? error.message : String(error));
    }
    let grant: number;
    try {
      grant = await limiter.acquire(grantSignal, estimate);
    } catch {
      return unsent(item, 0);
    }
    const built = requestOf(item, grant);
    if (!("request" in built)) return built;
    const result = await send(built.request, sendOptions);
    const now = clock.now();
    if (result.kind === "aborted") return unsent(item, 1);
    if (result.kind === "unsent") return refused(item, grant, result.failure.message);
    const outcome = outcomeOf(item, grant, result, now);
    const update = updateOf(item, built.request.secrets, result, outcome, now);
    if (pager && outcome.kind === "done" && result.kind === "answer") {
      const secrets = built.request.secrets ?? [];
      const page: PageAnswer = {
        status: result.status,
        headers: result.headers,
        body: result.body,
        url: result.url,
        sentUrl: built.request.url,
        queryUrl: built.queryUrl!,
        at: now,
        secrets,
        env: envValues(template, env),
      };
      await followPages(pager, page, item, update, annotate, stats);
    }
    stats.attempt(
      result.kind === "failed" ? undefined : result.status,
      result.durationMs,
      update.status === "failed" ? "failed" : outcome.kind,
      update.lastError ?? undefined,
    );
    return update;
  };
}

/** What `send` resolved to once the request went out. */
type Sent = Exclude<SendResult, { kind: "aborted" | "unsent" }>;

/**
 * What a done page's answer says of its query's next page, in its update:
 * the next page to add, why there is none, or the page failed (class
 * `next`) for naming one sluice does not fetch. With a processor, its rows
 * are made here, and its `next`, when it gives one, decides.
 */
async function followPages(
  pager: Pager,
  page: PageAnswer,
  item: ClaimedItem,
  update: ItemUpdate,
  annotate: AttemptOptions["annotate"],
  stats: Pick<RunStats, "page">,
): Promise<void> {
  let step = await pager.step(page, item);
  if (annotate && step.kind !== "refused") {
    await annotate(update, item);
    const named = update.processing?.next;
    if (named !== undefined) step = pager.named(named, page, item);
  }
  stats.page(step.kind);
  if (step.kind === "next") {
    update.nextPage = { page: (item.page ?? 1) + 1, request: step.request };
  } else if (step.kind === "end") update.pageEnd = step.why;
  else if (step.kind === "refused") {
    const reason = redactSecrets(step.reason, page.secrets);
    Object.assign(update, { status: "failed", lastError: reason, errorClass: "next" });
    if (update.response) update.response.error = reason;
  }
}

/** The template's `{{env.NAME}}` values by name (a next URL holding one is stored without it). */
function envValues(
  template: CompiledTemplate,
  env: (name: string) => string | undefined,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of template.envNames) {
    const value = env(name);
    if (value) values.set(name, value);
  }
  return values;
}

/** The item goes back to the queue as it was, not sent (0) or possibly sent (1). */
function unsent(item: ClaimedItem, possiblySent: 0 | 1): ItemUpdate {
  return {
    id: item.id,
    status: "pending",
    attempts: item.attempts,
    throttled: item.throttled,
    nextAt: 0,
    lastStatus: null,
    lastError: null,
    errorClass: null,
    possiblySent,
    sent: 0,
  };
}
