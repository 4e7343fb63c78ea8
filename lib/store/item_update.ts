/**
 * An item's new state after an attempt, as the result writer hands it to
 * the store, with its response row and what processing its answer needs.
 *
 * @module
 */
import type { FailureClass } from "./failure_class.ts";
import type { TableRows } from "./answer_statements.ts";

/** One item's new state after an attempt, written by `ResultRepository.write()`. */
export interface ItemUpdate {
  /** The item's row id. */
  id: number;
  /** The item's new state. */
  status: "pending" | "done" | "failed";
  /** Attempts so far, not counting throttled ones. */
  attempts: number;
  /** Throttled (429) answers so far. */
  throttled: number;
  /** When a pending item may be sent again (epoch ms). */
  nextAt: number;
  /** This attempt's HTTP status; null without an answer. */
  lastStatus: number | null;
  /** Why this attempt did not end done; null when done. */
  lastError: string | null;
  /** The class of this attempt's failure; null when it ended done or was not sent. */
  errorClass: FailureClass | null;
  /** 1 when the request may have gone out without its answer being recorded. */
  possiblySent: 0 | 1;
  /** 1 when a request was sent (and answered or failed) in this attempt. */
  sent: 0 | 1;
  /** The response row to store with this update, if any. */
  response?: ResponseRow;
  /**
   * The query's next page, which this done page's answer names: inserted
   * as an item in the transaction that stores this answer.
   *
   * @ignore
   */
  nextPage?: NextPageRow;
  /**
   * Why this done page is its query's last although its answer named a
   * next one: that page was seen already (`loop`), or `--max-pages`.
   */
  pageEnd?: "loop" | "max_pages";
  /**
   * What processing a done answer needs besides its response (given when
   * the write has a `process` plan).
   */
  processing?: AnswerProcessing;
}

/** A query's next page, as its item is inserted. */
export interface NextPageRow {
  /** Its page number. */
  page: number;
  /**
   * How its request differs from the query's first, as JSON (`{"url":…}`,
   * `{"cursor":…}`, `{"vars":…}`); null for a numbered page. A query that
   * has a page with the same already ends here instead (a loop).
   */
  request: string | null;
}

/** What processing one done answer needs besides its response row. */
export interface AnswerProcessing {
  /** The query's key. */
  key: string;
  /** The page of the query's answers. @default {1} */
  page?: number;
  /** The query's variables as JSON text. */
  vars: string;
  /** The rows a processor returned for it. */
  rows?: TableRows;
  /** Why the processor failed for it: the item fails with class `process`. */
  error?: string;
  /**
   * The query's next page as the processor named it (its rows' `next`):
   * null for none; undefined when it did not say (`--next` decides).
   */
  next?: unknown;
}

/** A row of `responses`; its attempt number is the item's count of sends so far. */
export interface ResponseRow {
  /** Position of the query in the input. */
  seq: number;
  /** The answer's HTTP status; null without an answer. */
  status: number | null;
  /** Time from sending to the whole body read. */
  durationMs: number;
  /** The kept response headers, as JSON text. */
  headers: string | null;
  /** The response body: its text, or its bytes when they are not text; null without one. */
  body: string | Uint8Array | null;
  /** The URL that answered, after redirects. */
  url: string | null;
  /** Why the attempt failed; null when it did not. */
  error: string | null;
  /** When it happened (epoch ms). */
  at: number;
}
