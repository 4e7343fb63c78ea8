/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core):
 * its script runs under the Content-Security-Policy, figures update live over
 * SSE, and the pause button reaches the running job. Registered as ignored,
 * with the reason, where no Chromium is installed.
 *
 * Run apart with --allow-all (`deno task test:browser`): playwright-core reads
 * /proc, which Deno grants only to --allow-all.
 */
import assert from "node:assert/strict";
import { createDashboard, type LiveRun } from "../../lib/dashboard/create_dashboard.ts";
import { openStore } from "../../lib/store/store.ts";
import { RunStats } from "../../lib/run/run_stats.ts";

const CHROMIUM = "/usr/bin/chromium";
const installed = await Deno.stat(CHROMIUM).then(() => true, () => false);
// Set by `deno task test:browser`, which grants --allow-all; any other run skips this file.
const allowed = Deno.env.get("SLUICE_BROWSER_TESTS") === "1";
const skip = !installed
  ? `${CHROMIUM} is not installed`
  : !allowed
  ? "run by deno task test:browser, with --allow-all"
  : "";

Deno.test({
  name: skip
    ? `dashboard in Chromium (skipped: ${skip})`
    : "dashboard in Chromium: live figures over SSE, pause button, no CSP violations",
  ignore: skip !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const store = await openStore(":memory:");
    const job = await store.createJob({
      name: "browser",
      request: JSON.stringify({ url: "http://127.0.0.1:9/search" }),
      options: "{}",
      now: Date.now(),
    });
    await store.importItems(
      job.id,
      Array.from({ length: 10 }, (_, i) => [i, `k${i}`, "{}"] as [number, string, string]),
      Date.now(),
    );
    const stats = new RunStats({ total: 10, done: 0, failed: 0 });
    let paused = false;
    const live: LiveRun = {
      job: "browser",
      snapshot: () => stats.snapshot(),
      pause: () => paused = true,
      resume: () => paused = false,
      paused: () => paused,
      rate: () => "10/s",
      setRate: () => {},
    };
    const app = createDashboard({ store, live, token: "t0ken", eventsMs: 50 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    // Imported here: playwright-core reads /proc as it loads.
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      const done = page.locator('[data-field="browser|done"]');
      assert.equal(await done.textContent(), "0");
      // What a run does: results committed to the store, figures counted in memory.
      const claimed = await store.claim(job.id, "w", 7, Date.now(), Date.now() + 60_000);
      await store.writeResults(
        "w",
        job.id,
        claimed.map((item) => ({
          id: item.id,
          status: "done",
          attempts: 1,
          throttled: 0,
          nextAt: 0,
          lastStatus: 200,
          lastError: null,
          possiblySent: 0,
          sent: 1,
        })),
        Date.now(),
      );
      for (let i = 0; i < 7; i++) stats.attempt(200, 5, "done");
      // Locators, not page-side functions: the CSP (rightly) forbids the eval those need.
      await page.locator('[data-field="browser|done"]', { hasText: /^7$/ }).waitFor({
        timeout: 10_000,
      });
      assert.match(await page.locator(".bar .done").getAttribute("style") ?? "", /width: 70%/);
      await page.getByRole("button", { name: "pause" }).click();
      await page.waitForURL(`http://127.0.0.1:${server.addr.port}/`);
      assert.equal(paused, true);
      assert.equal(await page.getByRole("button", { name: "resume" }).count(), 1);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      store.close();
    }
  },
});
