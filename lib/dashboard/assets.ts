/**
 * The dashboard's stylesheet and scripts, served by the app itself (no CDN),
 * so it works offline and inside a compiled binary: `deno compile` and
 * `deno bundle` carry text imports like any module. uPlot's distribution files
 * come from the npm package pinned in deno.json (`npm:uplot`); the dashboard's
 * own scripts (ES modules) and styles are plain files beside this one
 * (client/), linted and formatted with the rest.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- full specifier: lib/ resolves without deno.json (see deps.ts)
import uplotJs from "npm:uplot@1.6.32/dist/uPlot.iife.min.js" with { type: "text" };
// deno-lint-ignore no-import-prefix -- as above
import uplotCss from "npm:uplot@1.6.32/dist/uPlot.min.css" with { type: "text" };
import appJs from "./client/app.js" with { type: "text" };
import chartsJs from "./client/charts.js" with { type: "text" };
import domJs from "./client/dom.js" with { type: "text" };
import seriesJs from "./client/series.js" with { type: "text" };
import baseCss from "./client/base.css" with { type: "text" };
import panelsCss from "./client/panels.css" with { type: "text" };

/** The dashboard's stylesheet. */
export const DASHBOARD_CSS: string = `${baseCss}\n${panelsCss}`;

/** The dashboard's script (a module): live figures over server-sent events, tables, controls. */
export const DASHBOARD_JS: string = appJs;

/** The modules the script imports, by file name: the charts, their series, element lookup. */
export const DASHBOARD_MODULES: Readonly<Record<string, string>> = {
  "charts.js": chartsJs,
  "series.js": seriesJs,
  "dom.js": domJs,
};

/** uPlot (MIT, https://github.com/leeoniya/uPlot), as its package ships it: a script defining `uPlot`. */
export const UPLOT_JS: string = uplotJs;

/** uPlot's stylesheet. */
export const UPLOT_CSS: string = uplotCss;

/** One file the dashboard serves under `/assets/`: its text and `Content-Type`. */
export interface DashboardAsset {
  body: string;
  type: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

// A Map, not an object: a name such as `constructor` or `toString` is no asset.
const ASSETS: ReadonlyMap<string, DashboardAsset> = new Map([
  ["app.css", { body: DASHBOARD_CSS, type: CSS }],
  ["app.js", { body: DASHBOARD_JS, type: JS }],
  ["uplot.css", { body: UPLOT_CSS, type: CSS }],
  ["uplot.js", { body: UPLOT_JS, type: JS }],
  ...Object.entries(DASHBOARD_MODULES).map(([name, body]) => [name, { body, type: JS }] as const),
]);

/**
 * The asset served as `/assets/<name>`, or `undefined` for any other name
 * (the names of `Object.prototype`'s members included).
 *
 * @example Usage
 * ```ts
 * import { dashboardAsset } from "./assets.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dashboardAsset("app.js")?.type, "text/javascript; charset=utf-8");
 * assert.equal(dashboardAsset("constructor"), undefined);
 * ```
 */
export function dashboardAsset(name: string): DashboardAsset | undefined {
  return ASSETS.get(name);
}
