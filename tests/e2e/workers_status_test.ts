import assert from "node:assert/strict";
import { openStore } from "../../lib/store/store.ts";
import { statusCommand } from "../../cli/status.ts";
import { buildProgram } from "../../cli/program.ts";

Deno.test("statusCommand() lists each worker: host, pid, done, rate share, last heartbeat", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-status-" });
  try {
    const db = `file:${dir}/s.db`;
    const store = await openStore(db);
    const job = await store.jobs.create({
      name: "w",
      request: { url: "http://x/" },
      options: {},
      now: 0,
    });
    const now = Date.now();
    await store.workers.heartbeat({ id: "a", jobId: job.id, host: "box", pid: 11 }, now - 400, {
      rateShare: 0.5,
      done: 40,
    });
    await store.workers.heartbeat({ id: "b", jobId: job.id, host: "box", pid: 12 }, now - 900, {
      rateShare: 0.5,
      done: 38,
    });
    store.close();

    const lines: string[] = [];
    const io = { log: (line: string) => lines.push(line), error: () => {} };
    assert.equal(await statusCommand({ db }, io), 0);
    const workers = lines.filter((l) => l.startsWith("  worker "));
    assert.equal(workers.length, 2);
    assert.match(
      workers[0]!,
      /^ {2}worker box pid 11: 40 done, 50% of the rate, heartbeat 0\.\d s ago$/,
    );
    assert.match(
      workers[1]!,
      /^ {2}worker box pid 12: 38 done, 50% of the rate, heartbeat \d\.\d s ago$/,
    );

    const json: string[] = [];
    await statusCommand({ db, json: true }, { log: (l) => json.push(l), error: () => {} });
    const listed = JSON.parse(json.join("\n")).jobs[0].workers;
    assert.deepEqual(
      listed.map((
        w: { pid: number; done: number; rateShare: number },
      ) => [w.pid, w.done, w.rateShare]),
      [
        [11, 40, 0.5],
        [12, 38, 0.5],
      ],
    );
    assert.equal(listed[0].heartbeat, new Date(now - 400).toISOString());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--auth-token is the libSQL token of every command (and of the workers, through the environment)", async () => {
  const before = Deno.env.get("LIBSQL_AUTH_TOKEN");
  const dir = await Deno.makeTempDir({ prefix: "sluice-status-" });
  try {
    (await openStore(`file:${dir}/s.db`)).close();
    let code = -1;
    const program = buildProgram({
      stop: new AbortController().signal,
      setExit: (c) => code = c,
      io: { log: () => {}, error: () => {} },
    });
    await program.parseAsync(["status", "--db", `${dir}/s.db`, "--auth-token", "tok"], {
      from: "user",
    });
    assert.equal(code, 0);
    assert.equal(Deno.env.get("LIBSQL_AUTH_TOKEN"), "tok");
  } finally {
    if (before === undefined) Deno.env.delete("LIBSQL_AUTH_TOKEN");
    else Deno.env.set("LIBSQL_AUTH_TOKEN", before);
    await Deno.remove(dir, { recursive: true });
  }
});
