/**
 * The Crawlee contender: `BasicCrawler` + `sendRequest` on Node, in-memory
 * storage (not persisted), the same POSTs with the same concurrency. Crawlee
 * is installed from npm into a cache directory outside the repository (never
 * committed), once; the script below is written next to it.
 *
 * @module
 */

/** Pinned so that figures are comparable from run to run. */
export const CRAWLEE_VERSION = "3.18.1";

const SCRIPT = `// Written by sluice's bench/crawlee.ts.
import process from "node:process";
import { BasicCrawler, Configuration, log } from "crawlee";

const [url, n = "1000", c = "64"] = process.argv.slice(2);
const total = Number(n);
const concurrency = Number(c);
log.setLevel(log.LEVELS.OFF);
const config = new Configuration({ persistStorage: false, purgeOnStart: true });
let ok = 0;
const crawler = new BasicCrawler({
  minConcurrency: concurrency,
  maxConcurrency: concurrency,
  maxRequestRetries: 0,
  async requestHandler({ request, sendRequest }) {
    const response = await sendRequest({
      method: "POST",
      json: request.userData.body,
      responseType: "text",
    });
    if (response.statusCode === 200) ok++;
  },
}, config);
const requests = Array.from({ length: total }, (_, i) => ({
  url,
  uniqueKey: "q" + i,
  userData: { body: { q: "query " + i } },
}));
const started = performance.now();
await crawler.run(requests);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ requests: total, ok, ms }) + "\\n");
`;

/** Where Crawlee is installed: `$XDG_CACHE_HOME` or `~/.cache`, never the repository. */
export function crawleeDir(): string {
  const cache = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${cache}/sluice-bench/crawlee-${CRAWLEE_VERSION}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Crawlee ready to run, or why not. */
export type CrawleeSetup =
  | { ok: true; script: string; node: string; version: string }
  | { ok: false; reason: string };

/**
 * Returns the script to run with node, installing Crawlee first when
 * `install` is true and it is not there yet (`npm install`, about 30 s).
 */
export async function setupCrawlee(install: boolean): Promise<CrawleeSetup> {
  const dir = crawleeDir();
  const node = "node";
  try {
    const out = await new Deno.Command(node, { args: ["--version"], stdout: "piped" }).output();
    if (!out.success) return { ok: false, reason: "node is not runnable" };
  } catch {
    return { ok: false, reason: "node is not installed" };
  }
  if (!(await exists(`${dir}/node_modules/crawlee/package.json`))) {
    if (!install) {
      return {
        ok: false,
        reason: `crawlee not installed in ${dir} (the full \`deno task bench\` installs it)`,
      };
    }
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${dir}/package.json`, '{ "private": true, "type": "module" }\n');
    const npm = await new Deno.Command("npm", {
      args: [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `crawlee@${CRAWLEE_VERSION}`,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output().catch((error) => error as Error);
    if (npm instanceof Error || !npm.success) {
      const detail = npm instanceof Error
        ? npm.message
        : new TextDecoder().decode(npm.stderr).trim().split("\n").slice(-3).join(" ");
      return { ok: false, reason: `npm install crawlee@${CRAWLEE_VERSION} failed: ${detail}` };
    }
  }
  const script = `${dir}/crawlee_basic.mjs`;
  await Deno.writeTextFile(script, SCRIPT);
  return { ok: true, script, node, version: CRAWLEE_VERSION };
}
