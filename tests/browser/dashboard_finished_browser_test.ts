/**
 * The dashboard of a finished run in a real browser (Debian's Chromium through
 * playwright-core): a job run to its end by `sluice run` against a local
 * server that advertises a quota and has an outage of 503s without
 * Retry-After, then `sluice dashboard` over its database, opened at the
 * address it prints (with its token). The run explains itself: the limiter
 * panel of the last run says what set the pace and for how long, the limits
 * configured and advertised, the cooldowns; the figures and the charts'
 * legends give the run's final values. A screenshot is written to
 * $SLUICE_SCREENSHOTS (default the temporary folder) for a person to look at.
 *
 * Run apart with --allow-all (`deno task test:browser`).
 */
import assert from "node:assert/strict";
import { sluice, SluiceProcess, writeQueries } from "../_sluice_process.ts";
import { launchChromium, SKIP } from "./_chromium.ts";

Deno.test({
  name: SKIP
    ? `dashboard of a finished run in Chromium (skipped: ${SKIP})`
    : "dashboard of a finished run in Chromium: limiter panel of the last run, its pace, final values",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sluice_finished_" });
    let n = 0;
    // 25 per second advertised; requests 20 to 24 meet an outage of 503s without Retry-After
    // (five: the cooldowns double from 1 s, so each more 503 costs the test up to 10 s).
    const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
      n++;
      const headers = { "ratelimit-policy": '"default";q=25;w=1', ratelimit: '"default";r=20;t=1' };
      if (n >= 20 && n < 25) return new Response("down", { status: 503, headers });
      return Response.json({ ok: n }, { headers });
    });
    const db = `file:${dir}/s.db`;
    let dashboard: SluiceProcess | undefined;
    const browser = await launchChromium();
    try {
      await writeQueries(`${dir}/q.jsonl`, 80);
      const run = await sluice([
        "run",
        `${dir}/q.jsonl`,
        "--url",
        `http://127.0.0.1:${api.addr.port}/api`,
        "--db",
        db,
        "--rate",
        "40/s",
        "--max-attempts",
        "20",
      ]);
      assert.equal(run.code, 0, run.stderr);
      dashboard = new SluiceProcess(["dashboard", "--db", db, "--port", "0"]);
      const line = await dashboard.waitFor(/dashboard on/);
      const address = /dashboard on (\S+)/.exec(line)![1]!;
      assert.match(address, /\/\?token=[0-9a-f]{32}$/, "the address carries the token");

      const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(address);
      const field = (name: string) => page.locator(`[data-field="q|${name}"]`);
      const panel = page.locator(`section[aria-label="rate limiter, last run"]`);
      await panel.waitFor();
      assert.equal(await field("run.configured").textContent(), "40/s · burst 1 · concurrency 16");
      const pace = (await field("run.pace").textContent())!;
      assert.match(pace, /of the time/);
      assert.match(pace, /server quota "default" \(25\/s\)|--rate 40\/s/);
      assert.match(pace, /cooldowns after 503s \(no wait time given\)/);
      assert.equal(await field("run.quota").textContent(), '"default": 25 per 1s');
      assert.match((await field("run.cooldown").textContent())!, /^cooled down \d+ times?, /);
      assert.match((await field("run.ended").textContent())!, /^finished \d{4}-\d\d-\d\d /);
      assert.equal(await field("run.unavailable").textContent(), "5");
      assert.equal(await field("run.throttled").textContent(), "0");
      assert.match((await field("run.latency").textContent())!, /^[\d.]+ ms · [\d.]+ ms · /);
      // The charts are drawn from the run's history, their legends at the end of the run.
      const retries = page.locator(`[data-chart="q|retries"]`);
      await page.locator(`[data-chart="q|retries"]:not([data-points="0"])`).waitFor();
      const legend = await retries.locator(".u-legend").innerText();
      assert.match(legend, /end of run/);
      assert.match(legend, /503 unavailable/);
      assert.match(legend, /429 throttled/);

      const shot = `${Deno.env.get("SLUICE_SCREENSHOTS") ?? Deno.makeTempDirSync()}/finished.png`;
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok((await Deno.stat(shot)).size > 10_000);
      assert.deepEqual(problems, [], "no script error, no CSP violation");
    } finally {
      await browser.close();
      dashboard?.child.kill("SIGTERM");
      await dashboard?.exited;
      await api.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
