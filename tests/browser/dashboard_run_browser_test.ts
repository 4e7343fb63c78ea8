/**
 * The dashboard of a real run in a real browser (Debian's Chromium through
 * playwright-core): a job against the built-in mock API with faults, an
 * outage and 429s (scripts/_demo_dashboard.ts). Every chart draws, the
 * limiter panel shows the configured rate and the server's quota, pause stops
 * the requests (the mock sees none for 2 s), resume starts them again, a new
 * rate shows in the panel, a failed item opens, and markup planted in an
 * answer is shown as text and never runs. Registered as ignored, with the
 * reason, where no Chromium is installed.
 *
 * Run apart with --allow-all (`deno task test:browser`): playwright-core reads
 * /proc, which Deno grants only to --allow-all.
 */
import assert from "node:assert/strict";
import { PLANTED, startDemoDashboard } from "../../scripts/_demo_dashboard.ts";
import { launchChromium, SKIP } from "./_chromium.ts";

const skip = SKIP;

const CHARTS = ["throughput", "statuses", "retries", "latency", "inflight"];

/** What the test reads of a page's canvas (Deno has no DOM types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** Resolves once `check` holds, checking every 50 ms; rejects after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name: skip
    ? `dashboard of a run in Chromium (skipped: ${skip})`
    : "dashboard of a run in Chromium: charts drawn, limiter panel, pause/resume/rate, failed item, planted markup inert",
  ignore: skip !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const demo = await startDemoDashboard({
      items: 3000,
      rate: "40/s",
      planted: 2,
      mock: {
        rate: 25,
        headers: "ietf",
        failRate: 0.1,
        resetRate: 0.02,
        latencyMs: 10,
        outages: [{ startMs: 2_000, endMs: 3_500, retryAfterS: 1 }],
        record: true,
      },
      historyEveryS: 1,
      neighbourEveryMs: 50,
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems: string[] = [];
      const planted: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("request", (r) => new URL(r.url()).pathname === "/planted" && planted.push(r.url()));
      const mock = demo.mock.api.stats;
      // The job's requests as the mock saw them (by Idempotency-Key; the neighbour's have none).
      const seen = () => {
        let n = 0;
        for (const [key, count] of demo.mock.api.keys) if (key !== "neighbour") n += count;
        return n;
      };
      // Let the run meet the outage, faults and 429s before the page opens.
      await until(
        "the run has met 429s, 5xx and an outage",
        () => mock.throttled > 0 && (mock.byStatus["503"] ?? 0) > 3 && mock.requests > 150,
        30_000,
      );
      await page.goto(demo.url);
      assert.equal(page.url(), `${demo.origin}/`, "the token leaves the address bar");
      const field = (name: string) => page.locator(`[data-field="${demo.job}|${name}"]`);

      // Every chart has data and has drawn it: colored pixels on its canvas.
      for (const chart of CHARTS) {
        const box = page.locator(`[data-chart="${demo.job}|${chart}"]`);
        await box.locator("canvas").waitFor();
        await page.locator(`[data-chart="${demo.job}|${chart}"]:not([data-points="0"])`).waitFor();
        const colored = await box.locator("canvas").evaluate((canvas: Canvas) => {
          const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 0; i < data.length; i += 4) {
            const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
            if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
          }
          return n;
        });
        assert.ok(colored > 50, `${chart}: ${colored} colored pixels`);
        assert.ok(Number(await box.getAttribute("data-points")) > 1, chart);
      }
      // The legend names the series and says the unit.
      assert.match(await page.locator(`[data-chart="${demo.job}|statuses"]`).innerText(), /429/);
      assert.match(await page.locator(`[data-chart="${demo.job}|latency"]`).innerText(), / ms/);

      // The limiter panel: the rate asked for and the quota the server advertises.
      assert.equal(await field("limiter.configured").textContent(), "40/s · burst 1");
      assert.match(
        (await field("limiter.quota").textContent())!,
        /^"default": 25 per 1s, \d+ left/,
      );
      assert.match((await field("limiter.allowed").textContent())!, /server quota|cooling down/);

      // Pause: the button turns into "resume", the page says paused, the mock sees nothing.
      await page.getByRole("button", { name: "pause" }).click();
      await page.getByRole("button", { name: "resume" }).waitFor();
      await page.locator(`[data-state="${demo.job}"]`, { hasText: "paused" }).waitFor();
      await field("eta").filter({ hasText: "paused" }).waitFor();
      await until(
        "the requests in flight are answered",
        () => demo.limiter()!.gauges.inflight === 0,
      );
      const seenBefore = seen();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(seen(), seenBefore, "the mock saw no request of the job for 2 s");

      // Resume: requests flow again.
      await page.getByRole("button", { name: "resume" }).click();
      await page.getByRole("button", { name: "pause" }).waitFor();
      await until("the job's requests reach the mock again", () => seen() > seenBefore + 3);

      // A new rate: taken at once, and shown by the limiter panel.
      await page.locator(`[data-controls="${demo.job}"] input[name="rate"]`).fill("7/s");
      await page.getByRole("button", { name: "set" }).click();
      await field("limiter.configured").filter({ hasText: /^7\/s · burst 1$/ }).waitFor();
      assert.equal(await page.locator(".control-error").textContent(), "");

      // A failed item: its page, with the planted markup as text.
      await page.goto(`${demo.origin}/jobs/${demo.job}/failed?class=http_4xx`);
      await page.getByRole("link", { name: demo.plantedKeys[0] }).click();
      await page.getByText(`attempt 1: 422`).waitFor();
      assert.ok(await page.getByText(PLANTED).count() >= 1, "the markup is shown as text");
      assert.equal(await page.locator("script", { hasText: "planted" }).count(), 0);
      assert.equal(await page.locator(`img[src="/planted"]`).count(), 0);
      assert.deepEqual(planted, [], "the planted markup never ran nor loaded anything");
      assert.deepEqual(problems, [], "no script error, no CSP violation");
    } finally {
      await browser.close();
      await demo.stop();
    }
  },
});
