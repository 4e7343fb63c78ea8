/**
 * A job's tables: failed items by class and by last error, and its workers.
 * The script fills the same tables again from the live updates.
 *
 * @module
 */
import { html } from "hono/html";
import type { WorkerView } from "../job_reads.ts";
import { formatCount } from "../format.ts";
import { className, enc, type Html } from "./layout.ts";

/** Failed items by failure class, each a link to the failed items of that class. */
export function classesTable(job: string, classes: Record<string, number>): Html {
  const rows = Object.entries(classes);
  return html`
    <table class="compact">
      <thead>
        <tr>
          <th>class</th>
          <th class="num">items</th>
        </tr>
      </thead>
      <tbody data-table="${job}|classes">${rows.map(([cls, n]) =>
        html`
          <tr>
            <td><a href="/jobs/${enc(job)}/failed?class=${enc(cls)}">${className(cls)}</a></td>
            <td class="num">${formatCount(n)}</td>
          </tr>
        `
      )}</tbody>
    </table>${rows.length === 0
      ? html`<p class="muted empty" data-empty="${job}|classes">None.</p>`
      : ""}
  `;
}

/** The most frequent last errors of failed items, each a link to those items. */
export function reasonsTable(job: string, reasons: Record<string, number>): Html {
  const rows = Object.entries(reasons).slice(0, 8);
  if (rows.length === 0) return html``;
  return html`
    <table class="compact">
      <thead>
        <tr>
          <th>last error</th>
          <th class="num">items</th>
        </tr>
      </thead>
      <tbody>${rows.map(([reason, n]) =>
        html`
          <tr>
            <td><a href="/jobs/${enc(job)}/failed?reason=${enc(reason)}">${reason}</a></td>
            <td class="num">${formatCount(n)}</td>
          </tr>
        `
      )}</tbody>
    </table>
  `;
}

/** One row per worker: host, pid, items done, rate share, last heartbeat. */
export function workersTable(job: string, workers: WorkerView[]): Html {
  return html`
    <table class="compact">
      <thead>
        <tr>
          <th>host</th>
          <th class="num">pid</th>
          <th class="num">done</th>
          <th class="num">rate share</th>
          <th>last heartbeat</th>
        </tr>
      </thead>
      <tbody data-table="${job}|workers">${workers.map((w) =>
        html`
          <tr class="${w.alive ? "" : "gone"}">
            <td class="host">${w.host}${w.here
              ? html`
                <span class="tag">this process</span>
              `
              : ""}</td>
            <td class="num">${w.pid}</td>
            <td class="num">${w.done}</td>
            <td class="num">${w.share}</td>
            <td>${w.heartbeat}</td>
          </tr>
        `
      )}</tbody>
    </table>${workers.length === 0
      ? html`<p class="muted empty" data-empty="${job}|workers">No worker is registered.</p>`
      : ""}
  `;
}
