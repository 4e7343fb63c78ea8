import assert from "node:assert/strict";
import { dbFilePath, dbUrl, keptDbUrl, throwawayReason } from "../../cli/db_url.ts";
import { InputError } from "../../lib/errors.ts";

Deno.test("dbUrl() turns a plain path into a file: URL and keeps URLs", () => {
  assert.equal(dbUrl("out.db"), "file:out.db");
  assert.equal(dbUrl("/tmp/out.db"), "file:/tmp/out.db");
  assert.equal(dbUrl("file:///tmp/out.db"), "file:///tmp/out.db");
  assert.equal(dbUrl("libsql://db.example.com"), "libsql://db.example.com");
  assert.equal(dbUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(dbUrl(":memory:"), ":memory:");
});

Deno.test("dbFilePath() reads a file: URL's path as libSQL does", () => {
  assert.equal(dbFilePath("file:out.db"), "out.db");
  assert.equal(dbFilePath("file:data/out.db"), "data/out.db");
  assert.equal(dbFilePath("file:/abs/out.db"), "/abs/out.db");
  assert.equal(dbFilePath("file:///abs/out.db"), "/abs/out.db");
  assert.equal(dbFilePath("file://localhost/abs/out.db"), "/abs/out.db");
  assert.equal(dbFilePath("file:///abs/my%20db.db"), "/abs/my db.db");
  assert.equal(dbFilePath("file:out.db?mode=ro#x"), "out.db");
  assert.equal(dbFilePath("FILE:out.db"), "out.db");
});

Deno.test("dbFilePath() is undefined for a database that is not a local file", () => {
  for (const url of ["libsql://db.example.com", "http://127.0.0.1:8080", ":memory:"]) {
    assert.equal(dbFilePath(url), undefined, url);
  }
  assert.equal(dbFilePath("file::memory:"), undefined);
  assert.equal(dbFilePath("file::memory:?cache=shared"), undefined);
  // Another host is libSQL's error to report (it names the forms it accepts).
  assert.equal(dbFilePath("file://server/abs/out.db"), undefined);
  assert.equal(dbFilePath("file:bad%zz.db"), undefined);
});

Deno.test("throwawayReason() names every spelling of a database that keeps nothing", () => {
  const temporary = ["file:", "file://", "file://localhost", "FILE:", "file:?", "file:file:"];
  const memory = [
    ":memory:",
    "file::memory:",
    "File::memory:",
    "file::memory:?cache=shared",
    "file:%3Amemory%3A",
    "file:?mode=memory",
    "file:x.db?mode=memory",
    "file:x.db?vfs=memdb",
    "file:file::memory:",
    "file:file:x.db%3Fmode%3Dmemory",
  ];
  for (const url of temporary) assert.match(throwawayReason(url) ?? "", /temporary/, url);
  for (const url of memory) assert.match(throwawayReason(url) ?? "", /in memory/, url);
  assert.match(throwawayReason("file:a%00b.db") ?? "", /NUL/);
  for (const url of ["file:x.db", "file:/:memory:", "file:x.db?mode=rw", "libsql://db.test"]) {
    assert.equal(throwawayReason(url), undefined, url);
  }
});

Deno.test("keptDbUrl() refuses --db '' (an unset variable) and :memory:, naming --db", () => {
  assert.throws(() => keptDbUrl(""), (error: Error) => {
    assert.ok(error instanceof InputError);
    assert.equal(
      error.message,
      "Cannot use --db '' as the database: an empty path is a temporary database, deleted when " +
        "sluice exits (is a variable unset?); name a file (--db file:sluice.db) or a libSQL server",
    );
    return true;
  });
  assert.throws(
    () => keptDbUrl(":memory:"),
    /--db ':memory:' as the database: a database in memory/,
  );
  assert.equal(keptDbUrl("out.db"), "file:out.db");
  assert.equal(keptDbUrl("libsql://db.example.com"), "libsql://db.example.com");
});
