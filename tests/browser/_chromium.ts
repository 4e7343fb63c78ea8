/**
 * Debian's Chromium for the browser tests, through playwright-core: whether
 * the tests can run here, and a headless browser to run them with.
 *
 * @module
 */

/** Where Debian installs Chromium (.ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** How every headless Chromium here is started: the browser tests, the bench, the screenshots. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const installed = await Deno.stat(CHROMIUM).then(() => true, () => false);
// Set by `deno task test:browser`, which grants --allow-all; any other run skips the browser tests.
const allowed = Deno.env.get("SLUICE_BROWSER_TESTS") === "1";

/** Why the browser tests cannot run here; empty when they can. */
export const SKIP: string = !installed
  ? `${CHROMIUM} is not installed`
  : !allowed
  ? "run by deno task test:browser, with --allow-all"
  : "";

/** Launches headless Chromium; playwright-core is imported here, as it reads /proc when it loads. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS],
  });
}
