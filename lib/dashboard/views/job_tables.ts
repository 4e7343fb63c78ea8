/**
 * A job's tables: failed items by class and by last error, and its workers.
 * The script fills the same tables again from the live updates (the
 * `data-table` bodies), and shows a table's "none" note while it is empty.
 *
 * @module
 */
import { html } from "../../deps.ts";
import type { WorkerView } from "../job_reads.ts";
import { formatCount } from "../format.ts";
import { className, enc, type Html } from "./layout.ts";

/** Most frequent last errors listed. */
export const REASONS_SHOWN = 8;

function table(
  job: string,
  name: string,
  head: Html,
  rows: Html[],
  empty: string,
): Html {
  return html`
    <table class="compact" data-hide-empty="${job}|${name}" ${rows.length === 0
      ? html`
        hidden
      `
      : ""}>
      <thead>${head}</thead>
      <tbody data-table="${job}|${name}">${rows}</tbody>
    </table>
    <p class="muted empty" data-empty="${job}|${name}" ${rows.length > 0
      ? html`
        hidden
      `
      : ""}>${empty}</p>
  `;
}

/** Failed items by failure class, each a link to the failed items of that class. */
export function classesTable(job: string, classes: Record<string, number>): Html {
  return table(
    job,
    "classes",
    html`
      <tr>
        <th>class</th>
        <th class="num">items</th>
      </tr>
    `,
    Object.entries(classes).map(([cls, n]) =>
      html`
        <tr>
          <td><a href="/jobs/${enc(job)}/failed?class=${enc(cls)}">${className(cls)}</a></td>
          <td class="num">${formatCount(n)}</td>
        </tr>
      `
    ),
    "No item has failed.",
  );
}

/** The most frequent last errors of failed items, each a link to those items. */
export function reasonsTable(job: string, reasons: Record<string, number>): Html {
  return table(
    job,
    "reasons",
    html`
      <tr>
        <th>last error</th>
        <th class="num">items</th>
      </tr>
    `,
    Object.entries(reasons).slice(0, REASONS_SHOWN).map(([reason, n]) =>
      html`
        <tr>
          <td><a href="/jobs/${enc(job)}/failed?reason=${enc(reason)}">${reason}</a></td>
          <td class="num">${formatCount(n)}</td>
        </tr>
      `
    ),
    "",
  );
}

/** One row per worker: host, pid, items done, rate share, last heartbeat. */
export function workersTable(job: string, workers: WorkerView[]): Html {
  return table(
    job,
    "workers",
    html`
      <tr>
        <th>host</th>
        <th class="num">pid</th>
        <th class="num">done</th>
        <th class="num">rate share</th>
        <th>last heartbeat</th>
      </tr>
    `,
    workers.map((w) =>
      html`
        <tr class="${w.rest ? "rest" : w.alive ? "" : "gone"}">
          <td class="host">${w.host}${w.here
            ? html`
              <span class="tag">this process</span>
            `
            : ""}</td>
          <td class="num">${w.rest ? "" : w.pid}</td>
          <td class="num">${w.done}</td>
          <td class="num">${w.share}</td>
          <td>${w.heartbeat}</td>
        </tr>
      `
    ),
    "No worker is registered now.",
  );
}
