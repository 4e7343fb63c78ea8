/**
 * `--next` from the command line: bad specs are bad input (exit 2, nothing
 * sent, no database left); a paged job's summary, status and export tell
 * queries from pages; a resume keeps `--next`; `process` re-processes every
 * page; `retry` re-queues the page that failed; next pages to another origin
 * or to a URL that is not http(s).
 */
import assert from "node:assert/strict";
import { Gate, mockJob, readClient, sluice } from "../_sluice_process.ts";
import { servePaged } from "../_paged_server.ts";

const BAD: [string, string[], RegExp][] = [
  ["an unknown kind", ["--next", "nextpage"], /Cannot parse --next as a next-page spec/],
  [
    "a JSON path without $",
    ["--next", "cursor:next_cursor"],
    /Cannot use --next: Cannot parse 'next_cursor' as a JSON path: it must start with \$/,
  ],
  ["a JSON path that does not parse", ["--next", "url:$.links[x]"], /--next.*expected \[n\]/],
  [
    "{{page.cursor}} without a cursor spec",
    ["--next", "link", "--url", "URL?after={{page.cursor}}"],
    /\{\{page.cursor\}\} needs --next cursor:\$.path .*not --next link/,
  ],
  [
    "{{page.cursor}} without --next",
    ["--url", "URL?after={{page.cursor}}"],
    /\{\{page.cursor\}\} needs --next cursor:\$.path .*no --next is given/,
  ],
  [
    "--max-pages 0",
    ["--next", "link", "--max-pages", "0"],
    /--max-pages as an integer of at least 1/,
  ],
];

for (const [what, flags, message] of BAD) {
  Deno.test(`run with ${what}: exit 2 naming the flag, nothing sent, no database left`, async () => {
    await using job = await mockJob(3, new Gate());
    const url = job.args[job.args.indexOf("--url") + 1]!;
    const run = await sluice([...job.args, ...flags.map((f) => f.replace("URL", url))]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(job.server.api.stats.requests, 0, "the mock received nothing");
    assert.equal(await Deno.stat(job.db).then(() => true, () => false), false, "no database left");
  });
}

Deno.test("plan says how further pages will be found, and refuses a bad --next", async () => {
  await using job = await mockJob(2, new Gate());
  const url = `http://127.0.0.1:${job.server.port}/pages/cursor?q={{q}}&cursor={{page.cursor}}`;
  const plan = await sluice(["plan", job.queries, "--url", url, "--next", "cursor:$.next_cursor"]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /^GET http:\/\/127\.0\.0\.1:\d+\/pages\/cursor\?q=query%200&cursor=$/m);
  assert.match(
    plan.stdout,
    /further pages \(--next cursor:\$\.next_cursor\): the same request with \{\{page\.cursor\}\} from \$\.next_cursor of the answer, at most 100 per query, on the same origin/,
  );
  const bad = await sluice(["plan", job.queries, "--url", url, "--next", "link"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /needs --next cursor/);
});

Deno.test("a paged job from the CLI: queries and pages in the summary, status and export; resume keeps --next; process re-does every page", async () => {
  await using job = await mockJob(6, new Gate());
  const url = `http://127.0.0.1:${job.server.port}/pages/link?q={{q}}&pages=3`;
  const args = job.args.map((a) => a.startsWith("http://") ? url : a);
  args.splice(args.indexOf("--body"), 2);
  const into = [
    "--schema",
    "CREATE TABLE IF NOT EXISTS hits (key TEXT, page INTEGER, rank INTEGER, PRIMARY KEY (key, rank))",
    "--into",
    "INSERT OR REPLACE INTO hits SELECT :key, :page, j.value ->> '$.rank' FROM json_each(:body, '$.results') AS j",
  ];
  // Stopped at once by a deadline: the job holds --next, and a resume finishes it.
  const first = await sluice([...args, "--next", "link", ...into, "--deadline", "1ms"]);
  assert.equal(first.code, 130, first.stderr);
  const resumed = await sluice(["run", "--db", `file:${job.db}`, "--job", "job"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(
    resumed.stderr,
    /sluice: 6\/6 queries done \(18 pages fetched\), 0 failed, 0 pending/,
  );
  assert.equal(job.server.api.served.size, 18);
  const status = await sluice(["status", "--db", `file:${job.db}`]);
  assert.match(status.stdout, /^job: 6\/6 queries done \(18 pages fetched\), 0 failed/m);
  assert.match(status.stdout, /--next link/);
  const json = JSON.parse((await sluice(["status", "--db", `file:${job.db}`, "--json"])).stdout);
  assert.deepEqual([json.jobs[0].queries, json.jobs[0].queriesDone, json.jobs[0].total], [
    6,
    6,
    18,
  ]);
  const exported = (await sluice(["export", "--db", `file:${job.db}`])).stdout.trim().split("\n")
    .map((line) => JSON.parse(line));
  assert.equal(exported.length, 18);
  assert.deepEqual(
    exported.filter((r) => r.key === "k0").map((r) => [r.page, r.body.page]),
    [[1, 1], [2, 2], [3, 3]],
  );
  const csv = (await sluice(["export", "--db", `file:${job.db}`, "--format", "csv"])).stdout;
  assert.match(csv, /^key,page,seq,state,/);
  // process re-runs --into over every page: the table emptied, then filled again.
  await sluice(["sql", "--db", `file:${job.db}`, "--write", "DELETE FROM hits"]);
  const processed = await sluice(["process", "--db", `file:${job.db}`]);
  assert.equal(processed.code, 0, processed.stderr);
  const client = readClient(job.db);
  const row = (await client.execute("SELECT count(*), count(DISTINCT page) FROM hits")).rows[0]!;
  client.close();
  assert.deepEqual([Number(row[0]), Number(row[1])], [6 * 9, 3]);
});

Deno.test("a query whose page fails for good is failed at that page; retry re-queues the page and the query goes on", async () => {
  // Page 2 of every query answers 404 until the server is told otherwise.
  let broken = true;
  const api = servePaged({ pages: () => 3 });
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (broken && url.searchParams.get("page") === "2") {
      return new Response("gone", { status: 404 });
    }
    return fetch(`${api.origin}${url.pathname}${url.search}`);
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/q.jsonl`, '{"id":"a","q":"a"}\n{"id":"b","q":"b"}\n');
    const db = `file:${dir}/j.db`;
    const run = await sluice([
      "run",
      `${dir}/q.jsonl`,
      "--db",
      db,
      "--url",
      `http://127.0.0.1:${proxy.addr.port}/link?q={{q}}`,
      "--next",
      "link",
      "--rate",
      "none",
      "--quiet",
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /0\/2 queries done \(4 pages fetched\), 2 failed/);
    const status = await sluice(["status", "--db", db]);
    assert.match(
      status.stdout,
      /failed queries, at their page: "(a|b)" page 2 \(http 404\), "(a|b)" page 2/,
    );
    broken = false;
    const retry = await sluice(["retry", "--db", db]);
    assert.equal(retry.code, 0, retry.stderr);
    const again = await sluice(["run", "--db", db, "--job", "q"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /2\/2 queries done \(6 pages fetched\), 0 failed/);
    assert.deepEqual(
      [...api.served].sort(),
      ["a", "b"].flatMap((q) => [1, 2, 3].map((p) => [`link|${q}|${p}`, 1])).sort(),
    );
  } finally {
    await proxy.shutdown();
    await api.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a next page at another origin: failed without --next-cross-origin; with it, followed without credentials; a file: URL fails the page", async () => {
  const other = servePaged({ pages: () => 2 });
  const seen: (string | null)[] = [];
  let next = `${other.origin}/link?q=x&page=2`;
  const first = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(req.headers.get("authorization"));
    return Response.json({ results: [1], next });
  });
  const dir = await Deno.makeTempDir();
  const runOnce = (flags: string[], name: string) =>
    sluice([
      "run",
      `${dir}/q.jsonl`,
      "--db",
      `file:${dir}/${name}.db`,
      "--url",
      `http://127.0.0.1:${first.addr.port}/s?q={{q}}`,
      "--header",
      "Authorization: Bearer {{env.SLUICE_TEST_TOKEN}}",
      "--next",
      "url:$.next",
      "--rate",
      "none",
      "--quiet",
      ...flags,
    ]);
  try {
    Deno.env.set("SLUICE_TEST_TOKEN", "s3cret");
    await Deno.writeTextFile(`${dir}/q.jsonl`, '{"id":"a","q":"x"}\n');
    const refused = await runOnce([], "a");
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /the next page is at another origin \(http:\/\/127\.0\.0\.1:\d+\); --next-cross-origin follows it/,
    );
    assert.equal(other.requests.size, 0);
    const followed = await runOnce(["--next-cross-origin"], "b");
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(other.served.get("link|x|2"), 1);
    assert.deepEqual(seen, ["Bearer s3cret", "Bearer s3cret"]);
    assert.deepEqual(other.authorizations, [null], "the other origin got no credentials");
    next = "file:///etc/passwd";
    const file = await runOnce(["--next-cross-origin"], "c");
    assert.equal(file.code, 1);
    assert.match(file.stderr, /next: a file: URL is not fetched \(only http and https\)/);
  } finally {
    Deno.env.delete("SLUICE_TEST_TOKEN");
    await first.shutdown();
    await other.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
