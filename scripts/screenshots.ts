/**
 * Re-makes the README's dashboard screenshots: runs a job against the
 * built-in mock API with the dashboard on (scripts/_demo_dashboard.ts), opens
 * it in Chromium (Debian's, through playwright-core) and saves
 * docs/dashboard.png (the overview during the run) and docs/dashboard-item.png
 * (a failed item with every attempt).
 *
 * Usage: `deno run --allow-all scripts/screenshots.ts [--wait SECONDS] [--out DIR]`
 * (--allow-all: playwright-core reads /proc, which Deno grants only to it).
 *
 * @module
 */
import { startDemoDashboard } from "./_demo_dashboard.ts";
import { CHROMIUM, CHROMIUM_FLAGS } from "../tests/browser/_chromium.ts";

function flag(name: string, fallback: string): string {
  const at = Deno.args.indexOf(name);
  return at >= 0 && Deno.args[at + 1] !== undefined ? Deno.args[at + 1]! : fallback;
}

if (import.meta.main) {
  const waitS = Number(flag("--wait", "40"));
  const out = flag("--out", new URL("../docs/", import.meta.url).pathname);
  await Deno.mkdir(out, { recursive: true });
  // Small enough that the retries, which wait behind every fresh item, come within two minutes.
  const demo = await startDemoDashboard({ items: 1500 });
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, "--hide-scrollbars"],
  });
  try {
    // Let the run build up some history first: the page draws it, then adds a point a second.
    await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(demo.url);
    await page.locator(`[data-chart$="|statuses"]:not([data-points="0"])`).waitFor();
    await page.waitForTimeout(3000);
    await page.screenshot({ path: `${out}/dashboard.png`, fullPage: true });
    // A failed item with every attempt: one that failed with 5xx answers, once retried.
    const retried = `${demo.origin}/jobs/${demo.job}/failed?class=http_5xx`;
    for (let tries = 0; tries < 60; tries++) {
      await page.goto(retried);
      if (await page.locator("table.items td.key a").count() > 0) break;
      await page.waitForTimeout(2000);
    }
    await page.locator("table.items td.key a").first().click();
    await page.screenshot({ path: `${out}/dashboard-item.png`, fullPage: true });
    if (problems.length > 0) throw new Error(`The page reported errors: ${problems.join("; ")}`);
    // deno-lint-ignore no-console
    console.log(`wrote ${out}/dashboard.png and ${out}/dashboard-item.png`);
  } finally {
    await browser.close();
    await demo.stop();
  }
}
