/**
 * A dashboard tab in the background costs its browser and the server nothing:
 * while `document.hidden` it has no live-update stream open, makes no chart
 * and writes no figure; once shown it opens its stream with `?since=`, gets
 * the points made meanwhile and the latest figures, and draws; hidden again,
 * it closes the stream. Chromium through
 * playwright-core, whose pages are always visible: the test's page is told it
 * is hidden by an init script (`document.hidden`, `visibilityState`) and shown
 * with a `visibilitychange` event, as a browser does. Registered as ignored,
 * with the reason, where no Chromium is installed.
 *
 * Run apart with --allow-all (`deno task test:browser`).
 */
import assert from "node:assert/strict";
import { createDashboard, type LiveRun } from "../../lib/dashboard/create_dashboard.ts";
import { openStore } from "../../lib/store/store.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { launchChromium, SKIP } from "./_chromium.ts";

// Before any script of the page: a tab opened in the background, until the test shows it.
const HIDDEN_UNTIL_SHOWN = `
  window.__shown = false;
  Object.defineProperty(Document.prototype, "hidden", { get: () => !window.__shown });
  Object.defineProperty(Document.prototype, "visibilityState", {
    get: () => (window.__shown ? "visible" : "hidden"),
  });
`;

Deno.test({
  name: SKIP
    ? `dashboard in a background tab (skipped: ${SKIP})`
    : "dashboard in a background tab: no chart or figure written while hidden, all drawn once shown",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const store = await openStore(":memory:");
    const name = "hidden tab";
    const job = await store.jobs.create({
      name,
      request: { url: "http://127.0.0.1:9/search" },
      options: {},
      now: Date.now(),
    });
    await store.queue.importItems(
      job.id,
      Array.from({ length: 10 }, (_, i) => [i, `k${i}`, "{}"] as [number, string, string]),
      Date.now(),
    );
    const stats = new RunStats({ total: 10, done: 0, failed: 0 });
    const live: LiveRun = { job: name, snapshot: () => stats.snapshot() };
    const app = createDashboard({ store, live, eventsMs: 50 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const browser = await launchChromium();
    try {
      // The page is driven from here (the flag and the event): the test's own script, not the CSP's concern.
      const page = await browser.newPage({ bypassCSP: true });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(e.message));
      await page.addInitScript(HIDDEN_UNTIL_SHOWN);
      const streams: string[] = [];
      page.on("request", (r) => new URL(r.url()).pathname === "/events" && streams.push(r.url()));
      const origin = `http://127.0.0.1:${server.addr.port}`;
      const opened = Date.now();
      await page.goto(`${origin}/`); // resolves on load: the page's module has run
      const chart = page.locator(`[data-chart=${JSON.stringify(`${name}|throughput`)}]`);
      const done = page.locator(`[data-field=${JSON.stringify(`${name}|done`)}]`);
      assert.equal(await page.evaluate("document.hidden"), true);
      assert.deepEqual(streams, [], "no live-update stream while hidden");
      assert.equal(await chart.locator("canvas").count(), 0, "no chart made while hidden");
      // Meanwhile the run goes on: 7 items done, a point of its history saved.
      for (let i = 0; i < 7; i++) stats.attempt(200, 5, "done");
      const point = { done: 7, failed: 0, sent: 7, throttled: 0, retried: 0, rate: 7 };
      await store.history.add(job.id, { ...point, at: Date.now() + 1, p50Ms: 5, p95Ms: 5 });
      await page.evaluate(
        `window.__shown = true; document.dispatchEvent(new Event("visibilitychange"))`,
      );
      await chart.locator("canvas").waitFor();
      const doneSelector = JSON.stringify(`[data-field=${JSON.stringify(`${name}|done`)}]`);
      await page.waitForFunction(`document.querySelector(${doneSelector})?.textContent === "7"`);
      assert.equal(await done.textContent(), "7", "the latest figures once shown");
      assert.notEqual(await chart.getAttribute("data-points"), "0", "the point saved meanwhile");
      assert.equal(streams.length, 1);
      const since = Number(new URL(streams[0]!).searchParams.get("since"));
      assert.ok(since >= opened && since <= Date.now(), `since=${since}: the page's own time`);
      // Hidden again: the stream is closed.
      const closed = page.waitForEvent("requestfailed", (r) => r.url() === streams[0]);
      await page.evaluate(
        `window.__shown = false; document.dispatchEvent(new Event("visibilitychange"))`,
      );
      await closed;
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      store.close();
    }
  },
});
