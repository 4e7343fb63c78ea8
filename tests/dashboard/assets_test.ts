import assert from "node:assert/strict";
import { DASHBOARD_JS, DASHBOARD_MODULES, UPLOT_JS } from "../../lib/dashboard/assets.ts";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { fakeLive, seeded } from "./_seeded.ts";

Deno.test("dashboard serves every script and stylesheet its pages and modules name, from itself", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store, live: fakeLive().live });
  const page = await (await app.request("/")).text();
  const named = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  for (const text of [DASHBOARD_JS, ...Object.values(DASHBOARD_MODULES)]) {
    for (const [, path] of text.matchAll(/from "\.\/([^"]+)"/g)) named.push(`/assets/${path}`);
  }
  assert.deepEqual(
    [...new Set(named)].sort(),
    [
      "/assets/app.css",
      "/assets/app.js",
      "/assets/charts.js",
      "/assets/dom.js",
      "/assets/series.js",
      "/assets/uplot.css",
      "/assets/uplot.js",
    ],
  );
  for (const path of new Set(named)) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get("content-type")!, path.endsWith(".js") ? /javascript/ : /css/);
    assert.ok((await res.text()).length > 100, path);
  }
  assert.match(page, /<script type="module" src="\/assets\/app.js"><\/script>/);
  assert.ok(!/https?:\/\//.test(UPLOT_JS.replace(/https:\/\/github.com\/leeoniya\/uPlot/, "")));
  assert.equal((await app.request("/assets/nope.js")).status, 404);
  store.close();
});

Deno.test("dashboard scripts write text, never markup, and build no selector from a name", () => {
  for (const [name, text] of Object.entries({ "app.js": DASHBOARD_JS, ...DASHBOARD_MODULES })) {
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, name);
    assert.doesNotMatch(text, /querySelector(All)?\([^)]*[+`]/, name);
    assert.doesNotMatch(text, /\beval\(|new Function\(/, name);
  }
});

Deno.test("dashboard answers 404 for /assets/ names of Object.prototype's members", async () => {
  const { store } = await seeded();
  const app = createDashboard({ store });
  const names = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
  for (const name of [...names, "isPrototypeOf", "toLocaleString", "__defineGetter__"]) {
    const res = await app.request(`/assets/${name}`);
    assert.equal(res.status, 404, name);
    assert.equal(await res.text(), "no such asset", name);
  }
  store.close();
});

Deno.test("a route that fails answers a bare 500 and prints no stack trace", async () => {
  const { store } = await seeded();
  const failing = {
    ...store,
    jobs: { ...store.jobs, list: () => Promise.reject(new Error("disk on fire")) },
  } as typeof store;
  const app = createDashboard({ store: failing });
  // Watched: Hono's default handler prints the error's stack there.
  const terminal = globalThis.console;
  const printed: unknown[] = [];
  const error = terminal.error;
  terminal.error = (...args: unknown[]) => printed.push(args);
  try {
    for (const path of ["/", "/api/jobs"]) {
      const res = await app.request(path);
      assert.equal(res.status, 500, path);
      assert.equal(await res.text(), "internal error", path);
    }
  } finally {
    terminal.error = error;
    store.close();
  }
  assert.deepEqual(printed, []);
});
