/**
 * A server that echoes the request (httpbin's `/anything`): the
 * `{{env.NAME}}` values of the header and the body come back in the answer's
 * body and in a header sluice keeps. They are stored as `***`: in no file
 * under the database's folder, in no `sql` or `export` output, in no row
 * `--into` wrote (processing sees the stored answer, so `sluice process`
 * derives the same rows), on no dashboard page. `--keep-secrets` stores the
 * answer as received, and is saved with the job.
 */
import assert from "node:assert/strict";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { openStore } from "../../lib/store/store.ts";
import { inTempDir, parseJsonl, sluice, writeJsonl } from "./_cli.ts";

const HEX = crypto.randomUUID().replaceAll("-", "");
const ENV = { TOKEN: `tok-${HEX}`, KEY: `k"e\\y/${HEX}` };

/** httpbin's /anything: the request's URL, headers and body, as JSON; the token in `Location`. */
function serveEcho() {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const data = await request.text();
    const auth = request.headers.get("authorization") ?? "";
    if (new URL(request.url).searchParams.get("q") === "nul") {
      // Bytes that are not text (a NUL, a byte that is not UTF-8): stored as a BLOB.
      const bytes = new TextEncoder().encode(`\0${auth}\n`);
      return new Response(new Uint8Array([...bytes, 0xff]));
    }
    return Response.json({
      url: request.url,
      headers: Object.fromEntries(request.headers),
      data,
      json: JSON.parse(data),
    }, { headers: { location: `/next?auth=${encodeURIComponent(auth)}` } });
  });
}

/** An echo server and a temporary folder for `fn`. */
async function withEcho(fn: (origin: string, dir: string) => Promise<void>): Promise<void> {
  const server = serveEcho();
  try {
    await inTempDir((dir) => fn(`http://127.0.0.1:${server.addr.port}`, dir));
  } finally {
    await server.shutdown();
  }
}

const HITS = [
  "--schema",
  "CREATE TABLE IF NOT EXISTS echoes (key TEXT PRIMARY KEY, body TEXT)",
  "--into",
  "INSERT OR REPLACE INTO echoes VALUES (:key, :body)",
];

function runArgs(origin: string, ...flags: string[]): string[] {
  return [
    "run",
    "q.jsonl",
    "--url",
    `${origin}/anything?q={{q}}`,
    "--header",
    "Authorization: Bearer {{env.TOKEN}}",
    "--body",
    '{"q":"{{q}}","key":"{{env.KEY}}"}',
    "--db",
    "out.db",
    "--rate",
    "none",
    ...flags,
  ];
}

/** `sluice sql --format json QUERY` over out.db in `dir`. */
async function sqlJson(dir: string, query: string) {
  const printed = await sluice(dir, ["sql", "--db", "out.db", "--format", "json", query]);
  assert.equal(printed.code, 0, printed.stderr);
  return printed;
}

/**
 * Every file under `folder`, bytes as Latin-1 (the hex part of the secrets is ASCII).
 * A file gone between the listing and its read (the WAL, removed by the last
 * connection's close once checkpointed into the database) starts the scan over,
 * so that what it held is read where it went.
 */
async function filesUnder(folder: string): Promise<string> {
  for (let scan = 1;; scan++) {
    let all = "";
    try {
      for await (const entry of Deno.readDir(folder)) {
        if (!entry.isFile) continue;
        all += new TextDecoder("latin1").decode(await Deno.readFile(`${folder}/${entry.name}`));
      }
      return all;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) || scan === 10) throw error;
    }
  }
}

Deno.test("secrets an answer echoes are stored as ***: in no file, output, processed row or page", async () => {
  await withEcho(async (origin, dir) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ id: "1", q: "apple" }, { id: "2", q: "pear" }]);
    const run = await sluice(dir, runArgs(origin, ...HITS), ENV);
    assert.equal(run.code, 0, run.stderr);

    const sql = await sqlJson(dir, "SELECT body FROM responses");
    const echo = JSON.parse(JSON.parse(sql.stdout)[0].body);
    assert.equal(echo.headers.authorization, "Bearer ***");
    assert.equal(echo.json.key, "***");
    assert.equal(echo.data, '{"q":"apple","key":"***"}');
    const headers = await sqlJson(dir, "SELECT headers FROM responses");
    assert.match(headers.stdout, /auth=Bearer%20\*\*\*/);

    const before = await sqlJson(dir, "SELECT * FROM echoes ORDER BY key");
    assert.match(before.stdout, /Bearer \*\*\*/, "processing saw the stored answer");
    const processed = await sluice(dir, ["process", "--db", "out.db", "--quiet"]);
    assert.equal(processed.code, 0, processed.stderr);
    const after = await sqlJson(dir, "SELECT * FROM echoes ORDER BY key");
    assert.equal(after.stdout, before.stdout, "re-processing derives what live processing did");

    const exported = await sluice(dir, ["export", "--db", "out.db"]);
    assert.equal(parseJsonl(exported.stdout).length, 2);
    const store = await openStore(`file:${dir}/out.db`);
    let page = "";
    try {
      const app = createDashboard({ store });
      for (const path of ["/", "/jobs/q", "/jobs/q/items/1", "/api/jobs"]) {
        page += await (await app.request(path)).text();
      }
    } finally {
      store.close();
    }
    assert.match(page, /Bearer \*\*\*/);
    const outputs = [run.stderr, sql.stdout, headers.stdout, after.stdout, exported.stdout, page];
    for (const text of [...outputs, await filesUnder(dir)]) {
      assert.ok(!text.includes(HEX), `a secret is stored or shown:\n${text.slice(0, 500)}`);
    }
  });
});

Deno.test("--keep-secrets stores answers as received, and the job keeps it on a resume", async () => {
  await withEcho(async (origin, dir) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ id: "1", q: "apple" }]);
    await writeJsonl(`${dir}/more.jsonl`, [{ id: "2", q: "pear" }]);
    const run = await sluice(dir, runArgs(origin, "--keep-secrets"), ENV);
    assert.equal(run.code, 0, run.stderr);
    // A resume of the job by name: no --keep-secrets given, the job's setting holds.
    const more = ["run", "more.jsonl", "--db", "out.db", "--job", "q", "--append"];
    const resumed = await sluice(dir, [...more, "--rate", "none"], ENV);
    assert.equal(resumed.code, 0, resumed.stderr);
    const sql = await sqlJson(dir, "SELECT body FROM responses ORDER BY item");
    const echoes = JSON.parse(sql.stdout).map((row: { body: string }) => JSON.parse(row.body));
    assert.equal(echoes.length, 2);
    for (const echo of echoes) {
      assert.equal(echo.headers.authorization, `Bearer ${ENV.TOKEN}`);
      assert.equal(echo.json.key, ENV.KEY);
    }
    const status = await sluice(dir, ["status", "--db", "out.db", "--json"]);
    assert.equal(JSON.parse(status.stdout).jobs[0].options.keepSecrets, true);
  });
});

Deno.test("a secret echoed in an answer that is not text is replaced, every other byte kept", async () => {
  await withEcho(async (origin, dir) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ id: "1", q: "nul" }]);
    const run = await sluice(dir, runArgs(origin), ENV);
    assert.equal(run.code, 0, run.stderr);
    const stored = await sqlJson(
      dir,
      "SELECT hex(body) AS hex, typeof(body) AS type FROM responses",
    );
    const [{ hex, type }] = JSON.parse(stored.stdout);
    const hexOf = (text: string) =>
      [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(type, "blob");
    assert.equal(hex.toLowerCase(), `${hexOf("\0Bearer ***\n")}ff`);
    assert.ok(!(await filesUnder(dir)).includes(HEX));
  });
});
