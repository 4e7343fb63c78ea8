/**
 * `sluice run` against a hostile server on 127.0.0.1, as a process: gzip
 * bombs, redirects to file:, broken gzip, a quota used up for a week, ids
 * beyond 2^53, headers broken by the data.
 */
import assert from "node:assert/strict";
import { ROUTES, serveHostile } from "../http/_hostile_server.ts";
import { failureClasses, inTempDir, parseJsonl, sluice, writeJsonl } from "./_cli.ts";

const QUERIES = [{ q: "a" }, { q: "b" }, { q: "c" }];

/** Runs the queries against `url`, then exports the job as JSON lines. */
async function runAndExport(dir: string, url: string, ...flags: string[]) {
  await writeJsonl(`${dir}/q.jsonl`, QUERIES);
  const run = await sluice(dir, [
    "run",
    "q.jsonl",
    "--url",
    url,
    "--db",
    "out.db",
    "--rate",
    "none",
    ...flags,
  ]);
  const exported = await sluice(dir, ["export", "--db", "out.db"]);
  assert.equal(exported.code, 0, exported.stderr);
  return { run, rows: parseJsonl(exported.stdout), exported: exported.stdout };
}

Deno.test("sluice run fails gzip bombs as body_too_large with --max-body 1MB", async () => {
  const server = serveHostile({ bombBytes: 100_000_000 });
  try {
    await inTempDir(async (dir) => {
      const { run, rows } = await runAndExport(
        dir,
        `${server.origin}${ROUTES.bomb}?q={{q}}`,
        "--max-body",
        "1MB",
      );
      assert.equal(run.code, 1, run.stderr);
      for (const row of rows) {
        assert.deepEqual([row.state, row.status, row.body], ["failed", 200, null]);
        assert.match(String(row.error), /over 1000000 bytes \(--max-body\)/);
      }
      assert.equal(server.requests.length, 3, "failed at once, not retried");
      assert.deepEqual(await failureClasses(`${dir}/out.db`), { body_too_large: 3 });
    });
  } finally {
    await server.close();
  }
});

Deno.test("sluice run never stores a redirect to file:, data: or ftp: as an answer", async () => {
  const server = serveHostile();
  try {
    for (const route of [ROUTES.toFile, ROUTES.toData, ROUTES.toFtp]) {
      await inTempDir(async (dir) => {
        const { run, rows, exported } = await runAndExport(dir, `${server.origin}${route}?q={{q}}`);
        assert.equal(run.code, 1, run.stderr);
        for (const row of rows) {
          assert.deepEqual([row.state, row.status, row.body], ["failed", 302, null], route);
          assert.match(String(row.error), /^redirect to a (file|data|ftp): URL refused/);
        }
        assert.doesNotMatch(exported, /root:x:0:0|"planted"/, "no file or data: content");
        assert.deepEqual(await failureClasses(`${dir}/out.db`), { redirect_refused: 3 });
      });
    }
  } finally {
    await server.close();
  }
});

Deno.test("sluice run follows no 307 to another origin with a secret in the body: failed at once, nothing sent there", async () => {
  const server = serveHostile();
  const other = serveHostile();
  try {
    await inTempDir(async (dir) => {
      await writeJsonl(`${dir}/q.jsonl`, QUERIES);
      const to = encodeURIComponent(`${other.origin}${ROUTES.echo}`);
      const url = `${server.origin}${ROUTES.redirect}?status=307&to=${to}`;
      const body = '{"q":"{{q}}","key":"{{env.API_KEY}}"}';
      const flags = ["--url", url, "--body", body, "--db", "out.db", "--rate", "none"];
      const run = await sluice(dir, ["run", "q.jsonl", ...flags], { API_KEY: "k3y-s3cr3t" });
      assert.equal(run.code, 1, run.stderr);
      const exported = await sluice(dir, ["export", "--db", "out.db"]);
      for (const row of parseJsonl(exported.stdout)) {
        assert.deepEqual([row.state, row.status, row.body], ["failed", 307, null]);
        assert.equal(
          row.error,
          `redirect to another origin (${other.origin}) refused: the request's body holds a ` +
            "secret ({{env.NAME}}) that would go with it",
        );
      }
      assert.deepEqual(other.requests, []);
      assert.equal(server.requests.length, 3, "failed at once, not retried");
      assert.deepEqual(await failureClasses(`${dir}/out.db`), { redirect_refused: 3 });
      assert.doesNotMatch(exported.stdout + run.stderr, /k3y-s3cr3t/);
    });
  } finally {
    await server.close();
    await other.close();
  }
});

Deno.test("sluice run fails a broken gzip body at once, never opening the breaker", async () => {
  const server = serveHostile();
  try {
    await inTempDir(async (dir) => {
      const { run, rows } = await runAndExport(
        dir,
        `${server.origin}${ROUTES.brokenGzip}?q={{q}}`,
        "--breaker-threshold",
        "1",
      );
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /breaker/);
      assert.equal(server.requests.length, 3, "one request per item, no retry");
      for (const row of rows) {
        assert.deepEqual([row.state, row.status, row.attempts], ["failed", 200, 1]);
        assert.match(String(row.error), /^response body not decodable as gzip/);
      }
      assert.deepEqual(await failureClasses(`${dir}/out.db`), { body_invalid: 3 });
    });
  } finally {
    await server.close();
  }
});

Deno.test("sluice run fails items whose data breaks a header unsent: no retry, no breaker", async () => {
  const server = serveHostile();
  try {
    await inTempDir(async (dir) => {
      await writeJsonl(`${dir}/q.jsonl`, [{ q: "a\r\nX-Injected: 1" }, { q: "b\nc" }, {
        q: "d\u0000",
      }]);
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        `${server.origin}${ROUTES.echo}`,
        "--header",
        "X-Q: {{q}}",
        "--db",
        "out.db",
        "--breaker-threshold",
        "1",
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /sent 0 requests/);
      assert.doesNotMatch(run.stderr, /breaker/);
      assert.deepEqual(server.requests, []);
      assert.deepEqual(await failureClasses(`${dir}/out.db`), { render: 3 });
    });
  } finally {
    await server.close();
  }
});

Deno.test("sluice run waits --max-retry-after, not a week, for a quota used up until next week", async () => {
  const server = serveHostile();
  try {
    await inTempDir(async (dir) => {
      const started = performance.now();
      const { run, rows } = await runAndExport(
        dir,
        `${server.origin}${ROUTES.quotaWeek}?q={{q}}`,
        "--max-retry-after",
        "1s",
      );
      const elapsed = performance.now() - started;
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(rows.map((row) => row.state), ["done", "done", "done"]);
      assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
    });
  } finally {
    await server.close();
  }
});

Deno.test("sluice run keeps ids beyond 2^53 apart, and export keeps big numbers in answers", async () => {
  const big = "12345678901234567891";
  const server = serveHostile({
    fallback: (request) =>
      new Response(`{"echo":${new URL(request.url).searchParams.get("id")},"n":${big}}`, {
        headers: { "content-type": "application/json" },
      }),
  });
  try {
    await inTempDir(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/q.jsonl`,
        '{"id":12345678901234567890}\n{"id":12345678901234567891}\n',
      );
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        `${server.origin}/ids?id={{id}}`,
        "--db",
        "out.db",
        "--rate",
        "none",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /2 items imported/);
      const exported = await sluice(dir, ["export", "--db", "out.db"]);
      const lines = exported.stdout.trim().split("\n").sort();
      assert.equal(lines.length, 2);
      for (const id of ["12345678901234567890", "12345678901234567891"]) {
        const line = lines.find((l) => l.includes(`"key":"${id}"`));
        assert.ok(line, `no line for ${id}`);
        assert.ok(line.includes(`"body":{"echo":${id},"n":${big}}`), line);
      }
    });
  } finally {
    await server.close();
  }
});

Deno.test("sluice run warns of duplicate keys with other fields, with their lines", async () => {
  const server = serveHostile({ fallback: () => new Response("ok") });
  try {
    await inTempDir(async (dir) => {
      await writeJsonl(`${dir}/q.jsonl`, [
        { id: 1, q: "a" },
        { id: 2, q: "b" },
        { id: 1, q: "a" },
        { id: 1, q: "changed" },
      ]);
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        `${server.origin}/s?q={{q}}`,
        "--db",
        "out.db",
        "--rate",
        "none",
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /sluice: warning: 1 skipped as duplicate keys although their fields differ: q\.jsonl:4 key "1" \(kept: q\.jsonl:1\)/,
      );
    });
  } finally {
    await server.close();
  }
});
