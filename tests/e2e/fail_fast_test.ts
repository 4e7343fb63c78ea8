/**
 * What is wrong with a job as a whole is found before anything is imported
 * or sent: an unset `{{env.NAME}}`, a URL scheme an environment variable
 * makes other than http(s), a resume that would send another request than
 * the job's. Each exits 2 with its message; the mock receives nothing and
 * the database is as it was.
 */
import assert from "node:assert/strict";
import { serveMockApi } from "../../lib/mock/mock_server.ts";
import { readClient, sluice, writeQueries } from "../_sluice_process.ts";

const UNSET = "SLUICE_TEST_TOKEN_NEVER_SET";

/** Jobs and items as the database holds them, for a before/after comparison. */
async function snapshot(db: string): Promise<unknown> {
  const client = readClient(db);
  try {
    const jobs = await client.execute("SELECT id, name, request, options, updated FROM jobs");
    const items = await client.execute("SELECT seq, status, attempts, updated FROM items");
    return {
      jobs: jobs.rows.map((r) => Array.from(r)),
      items: items.rows.map((r) => Array.from(r)),
    };
  } finally {
    client.close();
  }
}

async function withMock(
  fn: (ctx: { dir: string; url: string; requests: () => number }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "sluice_fail_fast_" });
  const mock = serveMockApi({ port: 0, record: true });
  try {
    await writeQueries(`${dir}/q.jsonl`, 30);
    await fn({
      dir,
      url: `http://127.0.0.1:${mock.port}/search`,
      requests: () => mock.api.stats.requests,
    });
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sluice run with an unset {{env.NAME}} exits 2 naming it and where it is used; nothing sent, no database", async () => {
  assert.equal(Deno.env.get(UNSET), undefined);
  await withMock(async ({ dir, url, requests }) => {
    const run = await sluice([
      "run",
      `${dir}/q.jsonl`,
      "--db",
      `file:${dir}/new.db`,
      "--url",
      url,
      "--body",
      '{"q":"{{q}}"}',
      "--header",
      `Authorization: Bearer {{env.${UNSET}}}`,
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^sluice: error: environment variable ${UNSET} is not set \\(used in header "Authorization"\\)$`,
        "m",
      ),
    );
    assert.equal(requests(), 0);
    assert.equal(await Deno.stat(`${dir}/new.db`).catch(() => undefined), undefined);
  });
});

Deno.test("resuming a job with a template that needs an unset variable exits 2; the database is unchanged", async () => {
  await withMock(async ({ dir, url, requests }) => {
    const base = ["run", `${dir}/q.jsonl`, "--db", `file:${dir}/s.db`, "--job", "q", "--url"];
    const first = await sluice([...base, url, "--body", '{"q":"{{q}}"}', "--rate", "none"]);
    assert.equal(first.code, 0, first.stderr);
    const sent = requests();
    const before = await snapshot(`${dir}/s.db`);
    const resumed = await sluice([
      ...base,
      `{{env.${UNSET}}}/search`,
      "--body",
      '{"q":"{{q}}"}',
      "--replace-request",
    ]);
    assert.equal(resumed.code, 2, resumed.stderr);
    assert.match(
      resumed.stderr,
      new RegExp(`environment variable ${UNSET} is not set \\(used in url\\)`),
    );
    assert.equal(requests(), sent);
    assert.deepEqual(await snapshot(`${dir}/s.db`), before);
  });
});

Deno.test("sluice run refuses a URL whose scheme an environment variable makes other than http(s)", async () => {
  await withMock(async ({ dir, requests }) => {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../main.ts", import.meta.url).pathname,
        "run",
        `${dir}/q.jsonl`,
        "--db",
        `file:${dir}/x.db`,
        "--url",
        "{{env.SLUICE_TEST_BASE}}/search",
      ],
      env: { SLUICE_TEST_BASE: "file:///etc", NO_COLOR: "1" },
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 2, stderr);
    assert.match(
      stderr,
      /^sluice: error: Cannot use environment variable "SLUICE_TEST_BASE" to start url: its scheme is file:/m,
    );
    assert.equal(requests(), 0);
  });
});

Deno.test("resuming with another URL, method, header or body exits 2 showing old and new; --replace-request goes on and is recorded", async () => {
  await withMock(async ({ dir, url, requests }) => {
    const db = `file:${dir}/r.db`;
    const base = ["run", `${dir}/q.jsonl`, "--db", db, "--job", "r", "--rate", "20/s"];
    // A deadline stops the first run early, with items left to resume.
    const first = await sluice([
      ...base,
      "--url",
      url,
      "--body",
      '{"q":"{{q}}"}',
      "--deadline",
      "500ms",
    ]);
    assert.equal(first.code, 130, first.stderr);
    const sent = requests();
    const before = await snapshot(`${dir}/r.db`);

    const other = `${url}?v=2`;
    const changed = await sluice([
      ...base,
      "--url",
      other,
      "--body",
      '{"query":"{{q}}"}',
      "--header",
      "X-Api: 2",
    ]);
    assert.equal(changed.code, 2, changed.stderr);
    assert.match(changed.stderr, /^sluice: error: Job "r" was created with another request;/m);
    assert.ok(changed.stderr.includes(`  url: "${url}" → "${other}"`), changed.stderr);
    assert.ok(changed.stderr.includes(`  header X-Api: (none) → "2"`), changed.stderr);
    assert.ok(
      changed.stderr.includes(`  body: "{\\"q\\":\\"{{q}}\\"}" → "{\\"query\\":\\"{{q}}\\"}"`),
      changed.stderr,
    );
    assert.match(changed.stderr, /Pass --replace-request/);
    const method = await sluice([...base, "--method", "PUT"]);
    assert.equal(method.code, 2, method.stderr);
    assert.match(method.stderr, /^ {2}method: POST → PUT$/m);
    assert.equal(requests(), sent, "nothing sent");
    assert.deepEqual(await snapshot(`${dir}/r.db`), before);

    // The same request, from the database alone or from the same flags, resumes.
    const replaced = await sluice([
      ...base,
      "--url",
      other,
      "--body",
      '{"q":"{{q}}"}',
      "--replace-request",
    ]);
    assert.equal(replaced.code, 0, replaced.stderr);
    const client = readClient(`${dir}/r.db`);
    try {
      const row = (await client.execute("SELECT request, options FROM jobs")).rows[0]!;
      assert.equal(JSON.parse(String(row[0])).url, other);
      const [record] = JSON.parse(String(row[1])).requestReplaced;
      assert.equal(record.from.url, url);
      assert.deepEqual(record.changes, [`url: "${url}" → "${other}"`]);
      assert.ok(!Number.isNaN(Date.parse(record.at)));
    } finally {
      client.close();
    }
    const again = await sluice(["run", "--db", db, "--job", "r"]);
    assert.equal(again.code, 0, again.stderr);
  });
});
