/**
 * bench/dashboard_tabs.ts end to end on a small run, so the bench behind
 * issue 13's 5-tab row keeps working: every run is paused from the
 * dashboard, its pages opened in Chromium (one tab in front, the rest
 * hidden), resumed, and finishes every item; the section has every row. It
 * checks what is printed, never a time.
 *
 * Run apart with --allow-all (`deno task test:browser`).
 */
import assert from "node:assert/strict";
import { main } from "../../bench/dashboard_tabs.ts";
import { SKIP } from "./_chromium.ts";

Deno.test({
  name: SKIP
    ? `bench/dashboard_tabs.ts smoke run (skipped: ${SKIP})`
    : "bench/dashboard_tabs.ts smoke run: every variant runs, tabs open with one in front",
  ignore: SKIP !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const section = await main(true, { items: 20_000, tabs: 2, rounds: 1 });
    const rows = section.split("\n").filter((line) => line.startsWith("| "));
    assert.deepEqual(rows.map((row) => row.split(" | ")[0]), [
      "| scenario",
      "| ---",
      "| no page open",
      "| 2 plain HTTP clients (page, assets, live stream), run at the same time as a run with no page: the cost to sluice",
      "| 2 Chromium tabs open, one in front (acceptance)",
      "| the same 2 tabs opened while the run goes (their opening timed too)",
    ]);
    // Each run finished its 20,000 items (measureRun throws otherwise) and the tabs were tabs.
    assert.match(rows[4]!, /, 1 of 2 visible; Chromium [\d.]+ CPU-s in the span \|/);
    assert.match(rows[5]!, /opened in [\d.]+ s of the span, 1 of 2 visible/);
    assert.match(
      section,
      /^Acceptance \(issue 13, 2 tabs open on a 20,000-item run, drop ≤ 5%\): [\d.]+× \(drop -?[\d.]+%\), (met|missed)\./m,
    );
  },
});
