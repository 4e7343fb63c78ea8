import assert from "node:assert/strict";
import { openConnection } from "../../lib/store/connection.ts";

Deno.test("openConnection() runs a file database's calls one at a time, all on one connection", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-connection-" });
  const db = await openConnection(`file:${dir}/c.db`);
  try {
    // A setting of one connection: a call lent another connection would read SQLite's default.
    await db.execute("PRAGMA cache_size = -1234", "set the page cache");
    const reads = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) =>
          i % 2 === 0
            ? db.execute("PRAGMA cache_size", "read the page cache")
            : db.batch(["PRAGMA cache_size"], "read the page cache"),
      ),
    );
    const sizes = reads.map((rs) => Number((Array.isArray(rs) ? rs[0]! : rs).rows[0]![0]));
    assert.deepEqual(sizes, Array(8).fill(-1234));
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openConnection() keeps running calls after one of them fails", async () => {
  const db = await openConnection(":memory:");
  try {
    const [bad, good] = await Promise.allSettled([
      db.execute("SELECT * FROM no_such_table", "read a table"),
      db.execute("SELECT 41 + 1", "add"),
    ]);
    assert.equal(bad.status, "rejected");
    assert.equal(good.status === "fulfilled" && Number(good.value.rows[0]![0]), 42);
  } finally {
    db.close();
  }
});
