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

/** The item page. */
export function itemPage(job: string, item: ItemDetail, request: ShownRequest): Html {
  const statusClass = (s: number | null) =>
    s === null ? "bad" : s < 300 ? "ok" : s === 429 || s < 500 ? "warn" : "bad";
  const itemState = item.status === "failed" ? "bad" : item.status === "done" ? "ok" : "idle";
  const body = html`
    <header class="job-head"><h2 class="key">${item.key}</h2>
    <span class="state ${itemState}">${item.status}</span></header>
    <dl class="figures">
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
            : ""}<pre class="body">${r.body === null ? "" : pretty(r.body)}</pre></section>
        `
      )}
  `;
  return page(item.key, body, {
    crumbs: [[job, `/jobs/${enc(job)}`], ["failed items", `/jobs/${enc(job)}/failed`]],
  });
}
