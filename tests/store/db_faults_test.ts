/**
 * Database faults through the CLI: a read-only database, a database locked by
 * another connection for longer than the busy timeout, and a full disk. Each
 * stops the run with a clear message and a non-zero exit, loses nothing that
 * was committed, leaves no partial rows (each batch is one transaction), and
 * the same command finishes the job once the fault is gone.
 *
 * Read-only: as root, file modes do not stop writes, so the file is made
 * immutable (`chattr +i`); as another user, `chmod 0444`. Full disk: a 4 MiB
 * tmpfs mounted for the test (root only). Tests that cannot set their fault
 * up here are ignored, and say why.
 */
import assert from "node:assert/strict";
import { type Client, createClient } from "@libsql/client";
import { BUSY_TIMEOUT_MS } from "../../lib/store/store.ts";
import {
  Gate,
  inFlightKeys,
  inspectDb,
  mockJob,
  sluice,
  SluiceProcess,
} from "../_sluice_process.ts";

const CONCURRENCY = 4;
const isRoot = Deno.uid() === 0;

async function command(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return { ok: out.success, text: new TextDecoder().decode(out.stderr) };
  } catch (error) {
    return { ok: false, text: String(error) };
  }
}

/** Makes `path` unwritable for this user; returns the undo, or why it cannot. */
async function makeReadOnly(path: string): Promise<(() => Promise<void>) | string> {
  if (!isRoot) {
    await Deno.chmod(path, 0o444);
    return () => Deno.chmod(path, 0o644);
  }
  const set = await command("chattr", ["+i", path]);
  if (!set.ok) return `chattr +i failed: ${set.text.trim()}`;
  return async () => {
    await command("chattr", ["-i", path]);
  };
}

/** Whether a test of this kind can set its fault up here (checked on a scratch file or mount). */
async function probe(kind: "read-only" | "full disk"): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "sluice-probe-" });
  try {
    if (kind === "read-only") {
      await Deno.writeTextFile(`${dir}/f`, "");
      const undo = await makeReadOnly(`${dir}/f`);
      if (typeof undo === "string") return undo;
      await undo();
      return undefined;
    }
    if (!isRoot) return "mounting a small tmpfs needs root";
    const mount = await command("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    if (!mount.ok) return `mount -t tmpfs failed: ${mount.text.trim()}`;
    await command("umount", [dir]);
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const readOnlyUnavailable = Deno.build.os === "linux" ? await probe("read-only") : "not Linux";
const fullDiskUnavailable = Deno.build.os === "linux" ? await probe("full disk") : "not Linux";
// deno-lint-ignore no-console
const say = (line: string) => console.log(line);
if (readOnlyUnavailable) say(`db_faults: read-only case ignored: ${readOnlyUnavailable}`);
if (fullDiskUnavailable) say(`db_faults: full-disk case ignored: ${fullDiskUnavailable}`);

/** Done items have exactly one response row; no response row without a final state. */
function assertNoPartialRows(state: Awaited<ReturnType<typeof inspectDb>>) {
  assert.equal(state.orphans, 0, "a response row whose item is not done or failed");
  for (const item of state.items) {
    assert.equal(
      item.responses,
      item.status === "done" ? 1 : 0,
      `item ${item.seq}: ${item.status}`,
    );
  }
}

Deno.test({
  name: "read-only database: clear message, exit 1, nothing lost; status still reads it",
  ignore: readOnlyUnavailable !== undefined,
  async fn() {
    const items = 60;
    const gate = new Gate({ closeAfter: 20 });
    await using t = await mockJob(items, gate, { concurrency: CONCURRENCY });
    // A first run stopped part way: 20 + 4 done, the rest pending.
    const first = new SluiceProcess(t.args);
    await inFlightKeys(gate, t, CONCURRENCY, first);
    first.kill("SIGINT");
    await first.waitFor(/^sluice: stopping/);
    gate.open();
    assert.equal((await first.exited).code, 130);
    const before = await inspectDb(t.db);
    assert.equal(before.count("done"), 24);

    const undo = await makeReadOnly(t.db);
    assert.ok(typeof undo !== "string", String(undo));
    try {
      const run = await sluice(t.args);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /sluice: error: Database file:.* the database is read-only/);
      assert.match(run.stderr, /everything committed is kept; run the same command again/);
      assert.doesNotMatch(run.stderr, /unexpected error|\n\s+at /);
      const retry = await sluice(["retry", "--db", `file:${t.db}`]);
      assert.equal(retry.code, 1, retry.stderr);
      assert.match(retry.stderr, /the database is read-only/);
      const status = await sluice(["status", "--db", `file:${t.db}`]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /job: 24\/60 done, 0 failed, 36 pending, 0 claimed/);
    } finally {
      await undo();
    }
    assert.deepEqual((await inspectDb(t.db)).items, before.items, "the database changed");
    assert.equal(t.server.api.stats.requests, 24, "sent while read-only");

    const resumed = await sluice(t.args);
    assert.equal(resumed.code, 0, resumed.stderr);
    const end = await inspectDb(t.db);
    assert.equal(end.count("done"), items);
    assertNoPartialRows(end);
  },
});

Deno.test("locked database: a write waits for the busy timeout, then a clear message; nothing committed lost", async () => {
  const items = 200;
  const answered = 20;
  const gate = new Gate({ closeAfter: answered });
  await using t = await mockJob(items, gate, { concurrency: CONCURRENCY });
  const run = new SluiceProcess(t.args);
  const { keys: held } = await inFlightKeys(gate, t, CONCURRENCY, run);

  // Another connection takes the write lock and keeps it past the busy timeout.
  const other: Client = createClient({ url: `file:${t.db}`, timeout: 0, concurrency: 1 });
  const tx = await other.transaction("write");
  const lockedAt = Date.now();
  gate.open();
  const exit = await run.exited;
  const waited = Date.now() - lockedAt;
  await tx.rollback();
  tx.close();
  other.close();

  assert.equal(exit.code, 1, exit.stderr);
  assert.match(
    exit.stderr,
    /sluice: error: Database file:.* failed to write results: the database is locked/,
  );
  assert.match(exit.stderr, /longer than the 5 s busy timeout/);
  assert.match(exit.stderr, /everything committed is kept; run the same command again/);
  assert.doesNotMatch(exit.stderr, /unexpected error|\n\s+at /);
  assert.ok(waited >= BUSY_TIMEOUT_MS - 100, `gave up after ${waited} ms`);
  const after = await inspectDb(t.db);
  assert.equal(after.count("done"), answered, "a committed result was lost");
  assertNoPartialRows(after);

  const resumed = await sluice(t.args);
  assert.equal(resumed.code, 0, resumed.stderr);
  const end = await inspectDb(t.db);
  assert.equal(end.count("done"), items);
  assertNoPartialRows(end);
  // Only the requests answered while the lock was held were sent twice.
  const twice = [...t.server.api.keys].filter(([, n]) => n > 1).map(([key]) => key);
  assert.deepEqual(twice.sort(), held.sort());
});

Deno.test({
  name: "full disk: clear message, exit 1, nothing committed lost; resumes once there is room",
  ignore: fullDiskUnavailable !== undefined,
  async fn() {
    const items = 200;
    const answered = 20;
    const disk = await Deno.makeTempDir({ prefix: "sluice-disk-" });
    const mount = await command("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", disk]);
    assert.ok(mount.ok, mount.text);
    try {
      const gate = new Gate({ closeAfter: answered });
      await using t = await mockJob(items, gate, { concurrency: CONCURRENCY, dbDir: disk });
      const run = new SluiceProcess(t.args);
      await inFlightKeys(gate, t, CONCURRENCY, run);

      // Fill the disk, then let the held answers go: their commit finds no room.
      const filler = await Deno.open(`${disk}/filler`, { write: true, create: true });
      const chunk = new Uint8Array(16 * 1024);
      try {
        while (true) await filler.write(chunk);
      } catch (error) {
        assert.match(String(error), /No space left|os error 28/);
      } finally {
        filler.close();
      }
      gate.open();
      const exit = await run.exited;
      assert.equal(exit.code, 1, exit.stderr);
      assert.match(
        exit.stderr,
        /sluice: error: Database file:.* the disk is full; free some space/,
      );
      assert.match(exit.stderr, /everything committed is kept; run the same command again/);
      assert.doesNotMatch(exit.stderr, /unexpected error|\n\s+at /);

      await Deno.remove(`${disk}/filler`);
      const after = await inspectDb(t.db);
      assert.equal(after.count("done"), answered, "a committed result was lost");
      assertNoPartialRows(after);

      const resumed = await sluice(t.args);
      assert.equal(resumed.code, 0, resumed.stderr);
      const end = await inspectDb(t.db);
      assert.equal(end.count("done"), items);
      assertNoPartialRows(end);
    } finally {
      await command("umount", ["-l", disk]);
      await Deno.remove(disk, { recursive: true }).catch(() => {});
    }
  },
});
