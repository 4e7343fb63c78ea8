/**
 * Careless flags, as a process: `export --out` over the database or into a
 * missing folder, a dashboard port in use, timeouts and leases too short to
 * work. Each is exit 2 with a clear message, and nothing is harmed or sent.
 */
import assert from "node:assert/strict";
import { serveHostile } from "../http/_hostile_server.ts";
import { inTempDir, sluice, withOkServer, writeJsonl } from "./_cli.ts";
import { openStore } from "../../lib/store/store.ts";

/** A database with one job of two done items, made against a local server. */
async function withDatabase(fn: (dir: string) => Promise<void>): Promise<void> {
  await withOkServer(async (dir, server) => {
    await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }, { q: "b" }]);
    const run = await sluice(dir, [
      "run",
      "q.jsonl",
      "--url",
      `${server.origin}/s?q={{q}}`,
      "--db",
      "jobs.db",
      "--rate",
      "none",
    ]);
    assert.equal(run.code, 0, run.stderr);
    await fn(dir);
  });
}

Deno.test("sluice export --out refuses the database itself, by name, path or symlink", async () => {
  await withDatabase(async (dir) => {
    const before = await Deno.readFile(`${dir}/jobs.db`);
    await Deno.symlink(`${dir}/jobs.db`, `${dir}/link.jsonl`);
    for (const out of ["jobs.db", `${dir}/jobs.db`, "./link.jsonl"]) {
      const exported = await sluice(dir, ["export", "--db", "jobs.db", "--out", out]);
      assert.equal(exported.code, 2, exported.stderr);
      assert.match(
        exported.stderr,
        /^sluice: error: Cannot export to .*: it is the database \(.*jobs\.db\); writing it would destroy the database\. Pick another --out\n$/,
      );
    }
    assert.deepEqual(await Deno.readFile(`${dir}/jobs.db`), before, "the database is untouched");
    const status = await sluice(dir, ["status", "--db", "jobs.db"]);
    assert.match(status.stdout, /q: 2\/2 done/);
  });
});

Deno.test("sluice export --out refuses the database's -wal and -shm files", async () => {
  await withDatabase(async (dir) => {
    // Held open here, the database keeps its -wal and -shm files while export runs.
    const store = await openStore(`file:${dir}/jobs.db`);
    try {
      await store.jobs.list();
      for (const suffix of ["-wal", "-shm"]) {
        await Deno.link(`${dir}/jobs.db${suffix}`, `${dir}/other${suffix}`);
        for (const out of [`jobs.db${suffix}`, `other${suffix}`]) {
          const exported = await sluice(dir, ["export", "--db", "jobs.db", "--out", out]);
          assert.equal(exported.code, 2, exported.stderr);
          assert.match(exported.stderr, new RegExp(`it is the database's ${suffix.slice(1)} file`));
        }
      }
      assert.equal((await store.jobs.list()).length, 1);
    } finally {
      store.close();
    }
    const status = await sluice(dir, ["status", "--db", "jobs.db"]);
    assert.match(status.stdout, /q: 2\/2 done/);
  });
});

Deno.test("sluice export --out into a missing folder is a clear error, exit 2", async () => {
  await withDatabase(async (dir) => {
    const exported = await sluice(dir, ["export", "--db", "jobs.db", "--out", "no/such/out.jsonl"]);
    assert.equal(exported.code, 2, exported.stderr);
    assert.equal(
      exported.stderr,
      `sluice: error: Cannot export to ${dir}/no/such/out.jsonl: there is no folder ${dir}/no/such\n`,
    );
  });
});

Deno.test("sluice dashboard on a port in use is a clear error, exit 2", async () => {
  await withDatabase(async (dir) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = String((taken.addr as Deno.NetAddr).port);
      const dashboard = await sluice(dir, ["dashboard", "--db", "jobs.db", "--port", port]);
      assert.equal(dashboard.code, 2, dashboard.stderr);
      assert.equal(
        dashboard.stderr,
        `sluice: error: Cannot serve the dashboard on 127.0.0.1:${port}: the port is in use; ` +
          "pick another with --port (0 for any free one)\n",
      );
    } finally {
      taken.close();
    }
  });
});

Deno.test("sluice run --dashboard on a port in use is exit 2 before anything is imported or sent", async () => {
  const server = serveHostile({ fallback: () => new Response("ok") });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await inTempDir(async (dir) => {
      await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
      const port = String((taken.addr as Deno.NetAddr).port);
      const url = `${server.origin}/s?q={{q}}`;
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        url,
        "--db",
        "jobs.db",
        "--dashboard",
        port,
      ]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(
        run.stderr,
        `sluice: error: Cannot serve the dashboard on 127.0.0.1:${port}: the port is in use; ` +
          "pick another with --dashboard PORT (0 for any free one)\n",
      );
      assert.equal(server.requests.length, 0, "nothing sent");
      assert.equal(await Deno.stat(`${dir}/jobs.db`).then(() => true, () => false), false);
    });
  } finally {
    taken.close();
    await server.close();
  }
});

Deno.test("sluice run refuses a timeout, lease, grace or max-body that cannot work, sending nothing", async () => {
  const server = serveHostile({ fallback: () => new Response("ok") });
  try {
    await inTempDir(async (dir) => {
      await writeJsonl(`${dir}/q.jsonl`, [{ q: "a" }]);
      const cases: [string, string][] = [
        [
          "--timeout=0",
          "Cannot use --timeout as a duration of at least 100ms: current value is '0'",
        ],
        [
          "--timeout=50ms",
          "Cannot use --timeout as a duration of at least 100ms: current value is '50ms'",
        ],
        ["--lease=0", "Cannot use --lease as a duration of at least 1s: current value is '0'"],
        [
          "--lease=500ms",
          "Cannot use --lease as a duration of at least 1s: current value is '500ms'",
        ],
        ["--grace=-1s", "Cannot parse --grace as a duration: current value is '-1s'"],
        ["--max-body=10", "Cannot use --max-body as a size of at least 1KB: current value is '10'"],
      ];
      for (const [flag, message] of cases) {
        const run = await sluice(dir, [
          "run",
          "q.jsonl",
          "--url",
          `${server.origin}/s?q={{q}}`,
          "--db",
          "out.db",
          flag,
        ]);
        assert.equal(run.code, 2, `${flag}: ${run.stderr}`);
        assert.equal(run.stderr, `sluice: error: ${message}\n`);
      }
      assert.deepEqual(server.requests, []);
      assert.equal(await Deno.stat(`${dir}/out.db`).catch(() => undefined), undefined);
    });
  } finally {
    await server.close();
  }
});
