import assert from "node:assert/strict";
import { dbFilePath, dbUrl } from "../../cli/db_url.ts";

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
