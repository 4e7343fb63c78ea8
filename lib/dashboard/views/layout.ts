/**
 * The frame of every dashboard page, and the small pieces the pages share.
 * Rendered with `hono/html`, which escapes every interpolated value:
 * response bodies, keys and errors are shown as text, never markup.
 *
 * @module
 */
import { html, raw } from "../../deps.ts";
import type { HtmlEscapedString } from "../../deps.ts";

/** What the views return. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Encodes a path segment or query value. */
export const enc: (text: string) => string = encodeURIComponent;

/** Options for {@linkcode page}. */
export interface PageOptions {
  /** The server-sent events URL for live figures. @default undefined (none) */
  events?: string;
  /** Load the charting library. @default false */
  charts?: boolean;
  /** Links before the title, `[text, href]`. @default [] */
  crumbs?: [string, string][];
}

/**
 * The page frame: header with the trail back to the overview, the body, and
 * the scripts (served by the app; no inline script, as the CSP allows none).
 *
 * @example Usage
 * ```ts
 * import { html } from "hono/html";
 * import { page } from "./layout.ts";
 * import assert from "node:assert/strict";
 * const text = String(await page("a <b>", html`<p>hi</p>`));
 * assert.match(text, /<title>a &lt;b&gt; · sluice<\/title>/);
 * ```
 */
export function page(title: string, body: Html, options: PageOptions = {}): Html {
  const { events, charts = false, crumbs = [] } = options;
  return html`
    <!doctype html>
    <html lang="en">
      <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title} · sluice</title>
    ${charts ? html`<link rel="stylesheet" href="/assets/uplot.css">` : ""}
    <link rel="stylesheet" href="/assets/app.css">
      </head>
      <body${events
        ? html`
          data-events="${events}"
        `
        : ""}>
    <header class="top">
    <a class="brand" href="/">sluice</a>
    <nav class="trail">${crumbs.map(([text, href]) =>
      html`<a href="${href}">${text}</a><span class="sep">/</span>`
    )}<span class="here">${title}</span></nav>
    </header>
    <main>
    ${body}
    </main>
    ${charts ? html`<script src="/assets/uplot.js"></script>` : ""}
    <script type="module" src="/assets/app.js"></script>
    </body>
    </html>
  `;
}

/** A figure: a label over a value that live updates replace by `field`; `wide` takes two columns. */
export function figure(
  job: string,
  label: string,
  field: string,
  value: string,
  wide = false,
): Html {
  return html`
    <div class="${wide ? "wide" : ""}">
      <dt>${label}</dt>
      <dd data-field="${job}|${field}">${value}</dd>
    </div>
  `;
}

/** A JSON value inside the page for the script to read (`<` escaped, so no tag can close early). */
export function jsonData(attribute: string, key: string, value: unknown): Html {
  const text = JSON.stringify(value).replaceAll("<", "\\u003c");
  return html`<script type="application/json" ${raw(attribute)}="${key}">${raw(text)}</script>`;
}

const CLASS_NAMES: Record<string, string> = {
  http_4xx: "4xx",
  http_5xx: "5xx",
  throttled: "429",
  timeout: "timeout",
  network: "network",
  render: "bad template",
  body_too_large: "body too large",
  too_many_redirects: "too many redirects",
  process: "processing",
  other: "other",
};

/**
 * A failure class as the pages name it: `http_5xx` is `5xx`, `throttled` is `429`.
 *
 * @example Usage
 * ```ts
 * import { className } from "./layout.ts";
 * import assert from "node:assert/strict";
 * assert.equal(className("throttled"), "429");
 * ```
 */
export function className(cls: string): string {
  return CLASS_NAMES[cls] ?? cls;
}
