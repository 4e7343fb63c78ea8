import assert from "node:assert/strict";
import { splitSql } from "../../lib/process/split_sql.ts";

Deno.test("splitSql() splits at semicolons outside strings, quoted names and comments", () => {
  const pieces = splitSql(`
    INSERT INTO "a;b" VALUES ('x;''y'); -- a comment; with a semicolon
    /* a block; comment */ SELECT [c;d], \`e;f\` FROM t;
  `);
  // A comment before a statement is not part of it.
  assert.deepEqual(pieces.map((p) => p.sql), [
    `INSERT INTO "a;b" VALUES ('x;''y')`,
    "SELECT [c;d], `e;f` FROM t",
  ]);
  assert.deepEqual(pieces.map((p) => p.line), [2, 3]);
});

Deno.test("splitSql() keeps a trigger's body, semicolons and all, in one statement", () => {
  const pieces = splitSql(`
    CREATE TABLE t (n INTEGER);
    CREATE TEMP TRIGGER t_log AFTER INSERT ON t BEGIN
      INSERT INTO log VALUES (new.n);
      UPDATE counts SET n = n + 1;
    END;
    SELECT 1`);
  assert.equal(pieces.length, 3);
  assert.match(pieces[1]!.sql, /^CREATE TEMP TRIGGER[\s\S]*UPDATE counts SET n = n \+ 1;\s+END$/);
  assert.equal(pieces[2]!.sql, "SELECT 1");
});

Deno.test("splitSql() lists each statement's named parameters once and flags positional ones", () => {
  const [first, second, third] = splitSql(
    "SELECT :key, :key, @job, $body, ':not' -- :nor\n; SELECT ?; SELECT ?3",
  );
  assert.deepEqual(first!.params, [":key", "@job", "$body"]);
  assert.equal(first!.positional, false);
  assert.equal(second!.positional, true);
  assert.equal(third!.positional, true);
});

Deno.test("splitSql() drops empty statements and comments alone", () => {
  assert.deepEqual(splitSql(" ;; -- nothing\n /* at all */ ;"), []);
  assert.deepEqual(splitSql("SELECT 1;;").map((p) => p.sql), ["SELECT 1"]);
});
