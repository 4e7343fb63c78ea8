/**
 * A dashboard tab in the background costs its browser little: while
 * `document.hidden` it makes no chart and writes no figure, and once shown it
 * catches up (charts drawn, the latest figures). Chromium through
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
    // Each stream ends after 3 messages: its end tells the test the page has had them.
    const app = createDashboard({ store, live, eventsMs: 50, eventsPerStream: 3 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const browser = await launchChromium();
    try {
      // The page is driven from here (the flag and the event): the test's own script, not the CSP's concern.
      const page = await browser.newPage({ bypassCSP: true });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(e.message));
      await page.addInitScript(HIDDEN_UNTIL_SHOWN);
      const origin = `http://127.0.0.1:${server.addr.port}`;
      let streamsEnded = 0;
      const secondStreamEnded = page.waitForEvent(
        "requestfinished",
        (request) => request.url().endsWith("/events") && ++streamsEnded === 2,
      );
      await page.goto(`${origin}/`);
      // Counted after the page showed 0: the second stream's messages, made later, say 7.
      for (let i = 0; i < 7; i++) stats.attempt(200, 5, "done");
      await secondStreamEnded;
      const chart = page.locator(`[data-chart=${JSON.stringify(`${name}|throughput`)}]`);
      const done = page.locator(`[data-field=${JSON.stringify(`${name}|done`)}]`);
      assert.equal(await page.evaluate("document.hidden"), true);
      assert.equal(await chart.locator("canvas").count(), 0, "no chart made while hidden");
      assert.equal(await done.textContent(), "0", "the figures wait until the tab is shown");
      await page.evaluate(
        `window.__shown = true; document.dispatchEvent(new Event("visibilitychange"))`,
      );
      await chart.locator("canvas").waitFor();
      assert.notEqual(await chart.getAttribute("data-points"), "0", "the points kept are drawn");
      assert.equal(await done.textContent(), "7", "the latest figures, at once");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      store.close();
    }
  },
});
