/**
 * A job's failed items: filtered by failure class, last status or the start
 * of the last error, searched by key, a page at a time.
 *
 * @module
 */
import { html } from "../../deps.ts";
import type { FailedItem } from "../../store/store.ts";
import { formatCount, formatTime } from "../format.ts";
import { className, enc, type Html, page } from "./layout.ts";

/** The filters of the failed items page, as its query string gives them. */
export interface FailedFilters {
  /** A failure class (`http_5xx`…), or "" for any. */
  cls: string;
  /** A last status (`503`), or "" for any. */
  status: string;
  /** Text the key contains. */
  key: string;
  /** The start of the last error. */
  reason: string;
  /** Items skipped. */
  offset: number;
}

/** What the filters offer: the classes and statuses of the job's failed items, with counts. */
export interface FailedChoices {
  /** Failed items by failure class. */
  classes: Record<string, number>;
  /** Failed items by the status of their last answer (`null`: none). */
  statuses: { status: number | null; count: number }[];
}

/** The query string of `filters` with `changes` applied. */
function query(filters: FailedFilters, changes: Partial<FailedFilters>): string {
  const f = { ...filters, ...changes };
  const pairs: [string, string][] = [
    ["class", f.cls],
    ["status", f.status],
    ["key", f.key],
    ["reason", f.reason],
    ["offset", f.offset ? String(f.offset) : ""],
  ];
  const text = pairs.filter(([, v]) => v !== "").map(([k, v]) => `${k}=${enc(v)}`).join("&");
  return text ? `?${text}` : "";
}

/** The page. `items` holds at most `pageSize` items; `more`: a next page exists. */
export function failedPage(
  job: string,
  filters: FailedFilters,
  choices: FailedChoices,
  items: FailedItem[],
  options: { pageSize: number; more: boolean },
): Html {
  const { pageSize, more } = options;
  const base = `/jobs/${enc(job)}/failed`;
  const filtered = Boolean(filters.cls || filters.status || filters.key || filters.reason);
  const failedTotal = Object.values(choices.classes).reduce((a, b) => a + b, 0);
  const body = html`
    <form method="get" class="filters" action="${base}">
    <label>class <select name="class"><option value="">any</option>${Object.entries(choices.classes)
      .map(([cls, n]) =>
        html`
          <option value="${cls}" ${cls === filters.cls ? " selected" : ""}>${className(
            cls,
          )} (${formatCount(n)})</option>
        `
      )}</select></label>
    <label>status <select name="status"><option value="">any</option>${choices.statuses.filter((
      s,
    ) => s.status !== null).map(({ status, count }) =>
      html`
        <option value="${status}" ${String(status) === filters.status
          ? " selected"
          : ""}>${status} (${formatCount(count)})</option>
      `
    )}</select></label>
    <label>key <input type="search" name="key" value="${filters
      .key}" placeholder="contains…"></label>
    ${filters.reason ? html`<input type="hidden" name="reason" value="${filters.reason}">` : ""}
    <button type="submit">filter</button>
    ${filters.cls || filters.status || filters.key || filters.reason
      ? html`<a href="${base}">clear</a>`
      : ""}
    </form>
    ${filters.reason
      ? html`<p class="muted">Only items whose last error starts with “${filters.reason}”.</p>`
      : ""}
    <table class="items">
      <thead>
        <tr>
          <th>key</th>
          <th>class</th>
          <th class="num">status</th>
          <th class="num">attempts</th>
          <th>last error</th>
          <th>when</th>
        </tr>
      </thead>
      <tbody>${items.map((i) =>
        html`
          <tr>
            <td class="key"><a href="${itemHref(job, i)}">${i.key}</a>${pageNote(i)}</td>
            <td>${i.errorClass ? className(i.errorClass) : ""}</td>
            <td class="num">${i.lastStatus ?? ""}</td>
            <td class="num">${i.attempts}</td>
            <td>${i.lastError ?? ""}</td>
            <td class="nowrap">${formatTime(i.updated)}</td>
          </tr>
        `
      )}</tbody>
    </table>
    ${items.length === 0 ? html`<p class="muted">None.</p>` : ""}
    <nav class="pages">${filters.offset > 0
      ? html`<a href="${base}${
        query(filters, { offset: Math.max(0, filters.offset - pageSize) })
      }">← newer</a>`
      : ""}<span class="muted">${items.length
      ? `items ${formatCount(filters.offset + 1)}–${formatCount(filters.offset + items.length)}` +
        (filtered ? "" : ` of ${formatCount(failedTotal)}`)
      : ""}</span>${more
      ? html`<a href="${base}${query(filters, { offset: filters.offset + pageSize })}">older →</a>`
      : ""}</nav>
  `;
  return page("failed items", body, { crumbs: [[job, `/jobs/${enc(job)}`]] });
}

/** The item page of a failed item: a query's later page (`--next`) by `?page=N`. */
function itemHref(job: string, item: FailedItem): string {
  return `/jobs/${enc(job)}/items/${enc(item.key)}${item.page > 1 ? `?page=${item.page}` : ""}`;
}

/** Which page of its query a failed item is, after its key; nothing for a first page. */
function pageNote(item: FailedItem): Html | string {
  return item.page > 1
    ? html`
      <span class="muted">page ${item.page}</span>
    `
    : "";
}
