/**
 * The settings of a run, in one table: for each, its flag, its value parser
 * (and error message), its default from {@linkcode DEFAULTS}, whether the
 * job saves it (so that a resume behaves as the first run did), and how
 * `status` and the dashboard show it. The command line's options and their
 * help, the parsing of flags, job files and saved values, what a job saves
 * and `status --json`'s `options` are all derived from this table: a setting
 * is added here, and nowhere else.
 *
 * @module
 */
import { DEFAULTS } from "../defaults.ts";
import type { NextRequest } from "../job/next_spec.ts";
import type { Processor, ProcessorAnswer } from "../process/processor.ts";
import { formatBurst, formatRate, type RateSpec } from "../rate/rate_spec.ts";
import {
  burst,
  cost,
  duration,
  exactDuration,
  exactSize,
  headerNameOrNone,
  integer,
  modulePath,
  nextSpec,
  rate,
  type SavedValue,
  type SettingParser,
  size,
  sql,
  text,
  usage,
  yesNo,
} from "./setting_parsers.ts";

/** The pacing when no rate is given: polite, and said so at start. */
export const DEFAULT_RATE: RateSpec = {
  kind: "windows",
  windows: [{ limit: DEFAULTS.ratePerSecond, periodMs: 1000 }],
};

/** The settings of a run, as the library takes them (times in ms, sizes in bytes). */
export interface RunSettings {
  /** Client-side pacing, of requests and of other units (`tokens=90000/min`). @default {10/s} */
  rate: RateSpec;
  /** Requests (and units, by name: `{ requests: 5, tokens: 4000 }`) allowed at once above the steady rate. @default {1} */
  burst: number | Readonly<Record<string, number>>;
  /**
   * What each query is estimated to cost besides a request, reserved before
   * it is sent: a template per unit (`tokens={{max_tokens}}`), or a function
   * of the query.
   *
   * @default {undefined}
   */
  cost: string | ((query: Record<string, unknown>) => Readonly<Record<string, number>>) | undefined;
  /**
   * What each answer reports it cost, settling the estimate: a JSON path or
   * a header per unit (`tokens=$.usage.total_tokens`), or a function of the
   * answer. Without `cost`, the estimate is the mean usage so far.
   *
   * @default {undefined}
   */
  usage:
    | string
    | ((
      answer: {
        status: number | undefined;
        headers: Headers | undefined;
        body: string | undefined;
      },
    ) => Readonly<Record<string, number>> | undefined)
    | undefined;
  /** Requests in flight at once. @default {16} */
  concurrency: number;
  /** Per-attempt timeout. @default {30_000} */
  timeoutMs: number;
  /** Attempts (429s not counted) before an item fails. @default {5} */
  maxAttempts: number;
  /** 429 answers an item gets at most: the last fails it. @default {50} */
  maxThrottled: number;
  /** Longest `Retry-After` (or quota reset) honoured; longer ones are cut to this. @default {300_000} */
  maxRetryAfterMs: number;
  /** Largest response body accepted. @default {10_000_000} */
  maxBodyBytes: number;
  /** The first retry's backoff ceiling (full jitter, doubling per retry). @default {500} */
  retryBaseMs: number;
  /** Store every attempt's response, not only the final one. @default {false} */
  keepAttempts: boolean;
  /**
   * Store answers as received. By default every `{{env.NAME}}` value that an
   * answer echoes is replaced by `***` before it is stored and processed: in
   * its stored headers, and in its body when 4 characters or more. @default {false}
   */
  keepSecrets: boolean;
  /** Name of the idempotency header, or false for none. @default {"Idempotency-Key"} */
  idempotencyHeader: string | false;
  /** The `User-Agent` header. @default {`sluice/<version>`} */
  userAgent: string;
  /** Redirects followed per attempt; more fail the item. @default {10} */
  maxRedirects: number;
  /** Consecutive 5xx (but 503)/network failures that pause the job; 0 for no breaker. @default {10} */
  breakerThreshold: number;
  /** First pause of an open breaker before one probe request. @default {10_000} */
  breakerCooldownMs: number;
  /** After a stop is requested, how long in-flight requests may finish. @default {10_000} */
  graceMs: number;
  /** How long a claim is valid without renewal. @default {60_000} */
  leaseMs: number;
  /** Overall time limit of the run: then it stops as on a stop request. @default {undefined} */
  deadlineMs: number | undefined;
  /** SQL run once when the run starts, e.g. `CREATE TABLE IF NOT EXISTS ...`. @default {undefined} */
  schema: string | undefined;
  /**
   * SQL run for each 2xx answer in the transaction that stores it, with
   * `:key :page :job :status :url :at :vars :body`; a failure fails the item (class `process`).
   *
   * @default {undefined}
   */
  into: string | undefined;
  /** A processor module's path (from the working directory), or the processor itself. @default {undefined} */
  processor: string | Processor | undefined;
  /**
   * How long the processor may take over one answer; then its item fails
   * (`process: timed out`) and the run goes on.
   *
   * @default {30_000}
   */
  processorTimeoutMs: number;
  /**
   * How a query's answer names its next page, each page then an item of the
   * job: `link` (the Link header's rel="next"), `url:$.path` (a URL in the
   * body), `cursor:$.path` (a value sent back as `{{page.cursor}}`),
   * `page:$.path` (`{{page.number}}` 2, 3, ... while that path says there
   * are more: a non-empty array, `true`, a page count above the page's
   * number), any of them maybe ending with `while $.path` (no next page
   * unless that path says more: `has_more`); or a function of the answer
   * and the query.
   *
   * @default {undefined} (one request per query)
   */
  next:
    | string
    | ((
      answer: ProcessorAnswer,
      query: Record<string, unknown>,
    ) => NextRequest | undefined | null | Promise<NextRequest | undefined | null>)
    | undefined;
  /** Pages of one query at most; a next page past it is not fetched. @default {100} */
  maxPages: number;
  /** Follow a next page to another origin (without the request's credentials). @default {false} */
  nextCrossOrigin: boolean;
}

/** One run setting: everything sluice knows about it. */
export interface RunSetting<T> {
  /** The flag, as commander takes it: `--timeout <duration>`, or `--keep-attempts` for a switch. */
  readonly flag: string;
  /** The flag turning it off, and what --help says of it. @default {undefined} */
  readonly negation?: { readonly flag: string; readonly description: string };
  /** What --help says, without the default. */
  readonly description: string;
  /** Said after the default in --help: `(default 10, 0 = off)`. @default {undefined} */
  readonly helpNote?: string;
  /** The value when no flag, job file or saved job gives one. */
  readonly default: T;
  /** Reads a flag's text, a job file's value or a saved value. */
  readonly parse: SettingParser<Exclude<T, undefined>>;
  /** The value as the job saves it (read back by `parse`); undefined for one that cannot be saved. */
  readonly format: (value: Exclude<T, undefined>) => SavedValue | undefined;
  /** Saved with the job, restored on resume. Unsaved settings are about one run, not the job. */
  readonly saved: boolean;
  /**
   * The server sees it on every request: changing it on a job whose items
   * may already have been sent needs `--replace-request`, like a changed URL.
   *
   * @default {false}
   */
  readonly seenByServer?: boolean;
  /** Only matters when sending: `plan` accepts it but does not list it in --help. @default {false} */
  readonly sendOnly?: boolean;
  /** The setting this one replaces: the first place naming either gives both. @default {undefined} */
  readonly replaces?: keyof RunSettings;
  /** How `status` and the dashboard show the saved value. @default {the saved value} */
  readonly show?: (saved: SavedValue) => string;
}

/** The table's type: one entry per setting, each typed by its value. */
export type RunSettingTable = { readonly [K in keyof RunSettings]-?: RunSetting<RunSettings[K]> };

const durationText = (ms: number) => exactDuration(ms);
const sqlShown = (saved: SavedValue) => {
  const flat = String(saved).replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > 40 ? `${flat.slice(0, 39)}…` : flat);
};

/**
 * Every run setting, in the order --help lists them.
 *
 * @example Usage
 * ```ts
 * import { RUN_SETTINGS } from "./run_settings.ts";
 * import assert from "node:assert/strict";
 * const timeout = RUN_SETTINGS.timeoutMs;
 * assert.equal(timeout.parse("5s", "--timeout"), 5000);
 * assert.equal(timeout.format(5000), "5s");
 * assert.ok(timeout.saved);
 * ```
 */
export const RUN_SETTINGS: RunSettingTable = {
  rate: {
    flag: "--rate <rate>",
    description:
      "pacing: 50/s, 3000/min, 20/s,1000/min,50000/day, tokens=90000/min (a unit), auto (discover), none",
    default: DEFAULT_RATE,
    parse: rate,
    format: formatRate,
    saved: true,
  },
  burst: {
    flag: "--burst <n>",
    description: "requests (or units: 5,tokens=4000) allowed at once above the rate",
    default: DEFAULTS.burst,
    parse: burst,
    format: formatBurst,
    saved: true,
    sendOnly: true,
  },
  // A function (the library) cannot be saved: the caller gives it again.
  cost: {
    flag: "--cost <unit=template>",
    description: "each query's estimated cost, reserved before sending: tokens={{max_tokens}}",
    default: undefined,
    parse: cost,
    format: (value) => typeof value === "string" ? value : undefined,
    saved: true,
    sendOnly: true,
  },
  usage: {
    flag: "--usage <unit=path>",
    description:
      "what each answer says it cost, settling the estimate: tokens=$.usage.total_tokens, or header:NAME",
    default: undefined,
    parse: usage,
    format: (value) => typeof value === "string" ? value : undefined,
    saved: true,
    sendOnly: true,
  },
  concurrency: {
    flag: "--concurrency <n>",
    description: "requests in flight at once",
    default: DEFAULTS.concurrency,
    parse: integer(1),
    format: Number,
    saved: true,
  },
  // Below 100ms, every attempt times out.
  timeoutMs: {
    flag: "--timeout <duration>",
    description: "per-attempt timeout",
    default: DEFAULTS.timeoutMs,
    parse: duration(100),
    format: durationText,
    saved: true,
    sendOnly: true,
  },
  maxAttempts: {
    flag: "--max-attempts <n>",
    description: "attempts before an item fails, 429s not counted",
    default: DEFAULTS.maxAttempts,
    parse: integer(1),
    format: Number,
    saved: true,
    sendOnly: true,
  },
  maxThrottled: {
    flag: "--max-throttled <n>",
    description: "429 answers an item may get; the last one fails it",
    default: DEFAULTS.maxThrottled,
    parse: integer(1),
    format: Number,
    saved: true,
    sendOnly: true,
  },
  maxRetryAfterMs: {
    flag: "--max-retry-after <duration>",
    description: "longest Retry-After honoured",
    default: DEFAULTS.maxRetryAfterMs,
    parse: duration(),
    format: durationText,
    saved: true,
    sendOnly: true,
  },
  maxBodyBytes: {
    flag: "--max-body <size>",
    description: "largest response body kept",
    default: DEFAULTS.maxBodyBytes,
    parse: size(1000),
    format: exactSize,
    saved: true,
    sendOnly: true,
  },
  retryBaseMs: {
    flag: "--retry-base <duration>",
    description: "first retry's backoff ceiling",
    default: DEFAULTS.retryBaseMs,
    parse: duration(),
    format: durationText,
    saved: true,
    sendOnly: true,
  },
  userAgent: {
    flag: "--user-agent <text>",
    description: "User-Agent header",
    default: DEFAULTS.userAgent,
    parse: text,
    format: String,
    saved: true,
    sendOnly: true,
  },
  maxRedirects: {
    flag: "--max-redirects <n>",
    description: "redirects followed per request, final URL stored",
    default: DEFAULTS.maxRedirects,
    parse: integer(0),
    format: Number,
    saved: true,
    sendOnly: true,
  },
  // A limit on this run, not on the job: a resume gets a new one, or none.
  deadlineMs: {
    flag: "--deadline <duration>",
    description: "stop the run after this long, as on Ctrl-C (resumable)",
    default: undefined,
    parse: duration(),
    format: durationText,
    saved: false,
    sendOnly: true,
  },
  breakerThreshold: {
    flag: "--breaker-threshold <n>",
    description: "consecutive 5xx (but 503), network failures that pause the job",
    helpNote: "0 = off",
    default: DEFAULTS.breakerThreshold,
    parse: integer(0),
    format: Number,
    saved: true,
    sendOnly: true,
  },
  breakerCooldownMs: {
    flag: "--breaker-cooldown <duration>",
    description: "pause before one probe request",
    default: DEFAULTS.breakerCooldownMs,
    parse: duration(),
    format: durationText,
    saved: true,
    sendOnly: true,
  },
  keepAttempts: {
    flag: "--keep-attempts",
    description: "store every attempt's response, not only the final one",
    default: false,
    parse: yesNo,
    format: Boolean,
    saved: true,
    sendOnly: true,
  },
  keepSecrets: {
    flag: "--keep-secrets",
    description: "store answers as received, with the {{env.NAME}} values they echo (else ***)",
    default: false,
    parse: yesNo,
    format: Boolean,
    saved: true,
    sendOnly: true,
  },
  idempotencyHeader: {
    flag: "--idempotency-key <header>",
    negation: { flag: "--no-idempotency-key", description: "send no idempotency header" },
    description: "idempotency header name",
    default: DEFAULTS.idempotencyHeader,
    parse: headerNameOrNone,
    format: (value) => value,
    saved: true,
    seenByServer: true,
    sendOnly: true,
  },
  // How this process stops and holds its claims: not the job's.
  graceMs: {
    flag: "--grace <duration>",
    description: "after Ctrl-C, time for in-flight requests",
    default: DEFAULTS.graceMs,
    parse: duration(),
    format: durationText,
    saved: false,
    sendOnly: true,
  },
  // The heartbeat renews leases every third of --lease: at least a second leaves it room.
  leaseMs: {
    flag: "--lease <duration>",
    description: "claim lease, renewed while running",
    default: DEFAULTS.leaseMs,
    parse: duration(1000),
    format: durationText,
    saved: false,
    sendOnly: true,
  },
  schema: {
    flag: "--schema <sql>",
    description: "SQL run when the job starts, e.g. CREATE TABLE IF NOT EXISTS (or @file.sql)",
    default: undefined,
    parse: sql,
    format: String,
    saved: true,
    sendOnly: true,
    show: sqlShown,
  },
  into: {
    flag: "--into <sql>",
    description:
      "SQL run for each 2xx answer in its transaction: :key :page :job :status :url :at :vars :body (or @file.sql)",
    default: undefined,
    parse: sql,
    format: String,
    saved: true,
    sendOnly: true,
    replaces: "processor",
    show: sqlShown,
  },
  processor: {
    flag: "--processor <file>",
    description: "module whose default export turns each 2xx answer into rows",
    default: undefined,
    parse: modulePath,
    // A processor given as an object (the library) cannot be saved: the caller gives it again.
    format: (value) => typeof value === "string" ? value : undefined,
    saved: true,
    sendOnly: true,
    replaces: "into",
  },
  processorTimeoutMs: {
    flag: "--processor-timeout <duration>",
    description: "longest a processor may take over one answer; then the item fails",
    default: DEFAULTS.processorTimeoutMs,
    parse: duration(1),
    format: durationText,
    saved: true,
    sendOnly: true,
  },
  next: {
    flag: "--next <spec>",
    description: "follow each query's next pages: link (Link header rel=next), url:$.path " +
      "(a URL in the answer), cursor:$.path (sent back as {{page.cursor}}), page:$.path " +
      "({{page.number}} while that array is not empty, true, or a page count above it); " +
      "any ending with 'while $.path' (only while $.path says more, e.g. has_more)",
    default: undefined,
    parse: nextSpec,
    // A function (the library) cannot be saved: the caller gives it again.
    format: (value) => typeof value === "string" ? value : undefined,
    saved: true,
  },
  maxPages: {
    flag: "--max-pages <n>",
    description: "pages of one query at most, with --next",
    default: DEFAULTS.maxPages,
    parse: integer(1),
    format: Number,
    saved: true,
    sendOnly: true,
  },
  nextCrossOrigin: {
    flag: "--next-cross-origin",
    description: "follow a next page to another origin, without the request's credentials",
    default: false,
    parse: yesNo,
    format: Boolean,
    saved: true,
    sendOnly: true,
  },
};

/** A setting with its option name and key. */
export interface NamedSetting extends RunSetting<unknown> {
  /** Its name among the library's options (`timeoutMs`). */
  readonly option: keyof RunSettings;
  /** Its name as a flag in camel case (`timeout`): commander's, a job file's and the saved one. */
  readonly key: string;
}

/**
 * A flag's name in camel case, as commander, job files and saved jobs name it.
 *
 * @example Usage
 * ```ts
 * import { settingKey } from "./run_settings.ts";
 * import assert from "node:assert/strict";
 * assert.equal(settingKey("--max-retry-after <duration>"), "maxRetryAfter");
 * assert.equal(settingKey("--keep-attempts"), "keepAttempts");
 * ```
 */
export function settingKey(flag: string): string {
  const name = flag.split(/[\s=]/)[0]!.replace(/^--/, "");
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The table as a list, each entry with its option name and key, in --help order.
 *
 * @example Usage
 * ```ts
 * import { runSettingList } from "./run_settings.ts";
 * import assert from "node:assert/strict";
 * const timeout = runSettingList().find((s) => s.option === "timeoutMs");
 * assert.equal(timeout?.key, "timeout");
 * ```
 */
export function runSettingList(): readonly NamedSetting[] {
  return LIST;
}

const LIST: readonly NamedSetting[] = Object.entries(RUN_SETTINGS).map(([option, setting]) => ({
  ...(setting as RunSetting<unknown>),
  option: option as keyof RunSettings,
  key: settingKey(setting.flag),
}));
