/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core):
 * its script runs under the Content-Security-Policy, figures update live over
 * SSE, the address printed at start trades its token for a cookie, the pause
 * button reaches the running job with that cookie, and a job name holding
 * quotes breaks nothing. Registered as ignored,
 * with the reason, where no Chromium is installed.
 *
 * Run apart with --allow-all (`deno task test:browser`): playwright-core reads
 * /proc, which Deno grants only to --allow-all.
 */
import assert from "node:assert/strict";
import { createDashboard, type LiveRun } from "../../lib/dashboard/create_dashboard.ts";
import { openStore } from "../../lib/store/store.ts";
import { RunStats } from "../../lib/run/run_stats.ts";
import { outcome } from "../store/_fixtures.ts";
import { launchChromium, SKIP } from "./_chromium.ts";

const skip = SKIP;

Deno.test({
  name: skip
    ? `dashboard in Chromium (skipped: ${skip})`
    : "dashboard in Chromium: token to cookie, live figures over SSE, pause button, no CSP violations",
  ignore: skip !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const store = await openStore(":memory:");
    // Quotes and a bar: the script must not build CSS selectors or split on "|" from names.
    const name = `browser "live" | job`;
    const job = await store.jobs.create({
      name,
      request: { url: "http://127.0.0.1:9/search" },
      options: {},
      now: Date.now(),
    });
    // A finished job with history: its chart is drawn when the page loads.
    const old = await store.jobs.create({
      name: `old "one"]`,
      request: { url: "http://127.0.0.1:9/search" },
      options: {},
      now: Date.now(),
    });
    // It counted tokens too: its cost-units chart is made from the units its points name.
    for (const [ago, done] of [[2000, 1], [1000, 3]] as const) {
      await store.history.add(old.id, {
        at: Date.now() - ago,
        done,
        failed: 0,
        sent: done,
        throttled: 0,
        retried: 0,
        rate: 1,
        p50Ms: 5,
        p95Ms: 9,
        units: [{ unit: "tokens", spent: 100 * done, left: 900, of: "1,000/s", pacing: true }],
      });
    }
    await store.queue.importItems(
      job.id,
      Array.from({ length: 10 }, (_, i) => [i, `k${i}`, "{}"] as [number, string, string]),
      Date.now(),
    );
    const stats = new RunStats({ total: 10, done: 0, failed: 0 });
    let paused = false;
    const live: LiveRun = {
      job: name,
      snapshot: () => stats.snapshot(),
      pause: () => paused = true,
      resume: () => paused = false,
      paused: () => paused,
      rate: () => "10/s",
      setRate: () => {},
    };
    const token = "t0ken-for-the-browser";
    const app = createDashboard({ store, live, token, eventsMs: 50 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      const origin = `http://127.0.0.1:${server.addr.port}`;
      await page.goto(`${origin}/?token=${token}`);
      assert.equal(page.url(), `${origin}/`, "the token leaves the address bar");
      assert.ok(!(await page.content()).includes(token), "the token is not in the page");
      const field = (f: string) => `[data-field=${JSON.stringify(`${name}|${f}`)}]`;
      const done = page.locator(field("done"));
      assert.equal(await done.textContent(), "0");
      // What a run does: results committed to the store, figures counted in memory.
      const claimed = await store.queue.claim(job.id, "w", 7, Date.now(), Date.now() + 60_000);
      await store.results.write(
        "w",
        job.id,
        claimed.map((item) => outcome(item.id)),
        Date.now(),
      );
      for (let i = 0; i < 7; i++) stats.attempt(200, 5, "done");
      // Locators, not page-side functions: the CSP (rightly) forbids the eval those need.
      await page.locator(field("done"), { hasText: /^7$/ }).waitFor({
        timeout: 10_000,
      });
      const bar = page.locator(`.bar[data-job=${JSON.stringify(name)}] .done`);
      assert.match(await bar.getAttribute("style") ?? "", /width: 70%/);
      const oldChart = page.locator(`[data-chart=${JSON.stringify(`${old.name}|throughput`)}]`);
      await oldChart.locator("canvas").waitFor();
      assert.notEqual(
        await oldChart.getAttribute("data-points"),
        "0",
        "the old job's chart is drawn",
      );
      const unitsChart = page.locator(`[data-chart=${JSON.stringify(`${old.name}|units`)}]`);
      // A chart out of sight is drawn when it comes into sight.
      await unitsChart.scrollIntoViewIfNeeded();
      await unitsChart.locator("canvas").waitFor();
      assert.notEqual(
        await unitsChart.getAttribute("data-points"),
        "0",
        "the units chart is drawn",
      );
      assert.match(await unitsChart.textContent() ?? "", /tokens spent.*tokens left/s);
      // The live job counts no units: no such chart.
      assert.equal(
        await page.locator(`[data-chart=${JSON.stringify(`${name}|units`)}]`).count(),
        0,
      );
      await page.getByRole("button", { name: "pause" }).click();
      // The script posts the form in place: the button turns into "resume" once it is done.
      await page.getByRole("button", { name: "resume" }).waitFor();
      assert.equal(page.url(), `${origin}/`);
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
