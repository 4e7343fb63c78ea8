/**
 * One item: its state, the request it sends (secrets as `***`), its query,
 * and every stored attempt with headers and body, all shown as text.
 *
 * @module
 */
import { html } from "../../deps.ts";
import type { ItemDetail } from "../../store/store.ts";
import { formatMs, formatTime } from "../format.ts";
import type { ShownRequest } from "../shown_request.ts";
import { className, enc, type Html, page } from "./layout.ts";

/** JSON text indented when it parses, else as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// Bytes of a body that is not text shown at most, as a hex dump.
const DUMP_MAX = 65_536;

/**
 * A body that is not text (not valid in its charset, or holding a NUL), as
 * `xxd` shows bytes: offset, 16 bytes in hex, the printable ones as ASCII.
 */
function hexDump(bytes: Uint8Array): string {
  const lines = [`${bytes.length} bytes, not text: shown in hex`];
  const shown = bytes.subarray(0, DUMP_MAX);
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join(
      "",
    );
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > DUMP_MAX) lines.push(`… ${bytes.length - DUMP_MAX} more bytes`);
  return lines.join("\n");
}

/** A stored body as the page shows it: JSON indented, other text as it is, bytes in hex. */
function shownBody(body: string | Uint8Array | null): string {
  if (body === null) return "";
  return typeof body === "string" ? pretty(body) : hexDump(body);
}

function fact(label: string, value: unknown, wide = false): Html {
  return html`
    <div class="${wide ? "wide" : ""}">
      <dt>${label}</dt>
      <dd>${String(value ?? "—")}</dd>
    </div>
  `;
}

function requestBlock(request: ShownRequest): Html {
  if ("error" in request) {
    return html`<p class="muted">Cannot render the request: ${request.error}</p>`;
  }
  const head = [
    `${request.method} ${request.url}`,
    ...request.headers.map(([k, v]) => `${k}: ${v}`),
  ]
    .join("\n");
  return html`<pre class="request">${head}${
    request.body === undefined ? "" : `\n\n${pretty(request.body)}`
  }</pre>`;
}

/** Why a page that named a next one was its query's last. */
const PAGE_ENDS: Record<string, string> = {
  loop: "seen before (a loop)",
  max_pages: "past --max-pages",
};

/** The item page. */
export function itemPage(job: string, item: ItemDetail, request: ShownRequest): Html {
  const statusClass = (s: number | null) =>
    s === null ? "bad" : s < 300 ? "ok" : s === 429 || s < 500 ? "warn" : "bad";
  const itemState = item.status === "failed" ? "bad" : item.status === "done" ? "ok" : "idle";
  const body = html`
    <header class="job-head"><h2 class="key">${item.key}</h2>
    <span class="state ${itemState}">${item.status}</span></header>
    <dl class="figures">
    ${item.page > 1 || item.pageEnd ? fact("page", item.page) : ""}${item.pageEnd
      ? fact("next page not followed", PAGE_ENDS[item.pageEnd] ?? item.pageEnd)
      : ""}
    ${fact("state", item.status)}${fact("attempts", item.attempts)}${fact("429s", item.throttled)}
    ${fact("last status", item.lastStatus)}${fact(
      "failure class",
      item.errorClass ? className(item.errorClass) : "—",
    )}
    ${fact("possibly sent twice", item.possiblySent ? "yes" : "no")}${fact(
      "updated",
      formatTime(item.updated),
      true,
    )}
    </dl>
    ${item.lastError ? html`<p class="error-line">last error: ${item.lastError}</p>` : ""}
    <section class="panel"><h3>Request</h3>
    <p class="muted">As sent, rendered again from the job's template and this query; values from the
    environment and credentials are shown as ***.</p>${requestBlock(request)}</section>
    <section class="panel">
      <h3>Query</h3>
      <pre>${JSON.stringify(item.vars, null, 2)}</pre>
    </section>
    <h2>Attempts</h2>
    ${item.responses.length === 0
      ? html`<p class="muted">No stored answer (only final answers are kept, unless
--keep-attempts).</p>`
      : item.responses.map((r) =>
        html`
          <section
            class="panel attempt"><h3><span>attempt ${r.attempt}: ${r.status ??
              "no answer"}</span><span class="state ${statusClass(r.status)}">${r.errorClass
              ? className(r.errorClass)
              : r.status === null
              ? "no answer"
              : "answered"}</span><span class="muted">${formatMs(r.durationMs)} · ${formatTime(
                r.at,
              )}</span></h3>
          ${r.url ? html`<div class="muted url">${r.url}</div>` : ""}
          ${r.error ? html`<p class="error-line">${r.error}</p>` : ""}
          ${r.headers
            ? html`<pre class="headers">${
              Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join("\n")
            }</pre>`
            : ""}<pre class="body">${shownBody(r.body)}</pre></section>
        `
      )}
  `;
  return page(item.key, body, {
    crumbs: [[job, `/jobs/${enc(job)}`], ["failed items", `/jobs/${enc(job)}/failed`]],
  });
}
