import assert from "node:assert/strict";
import { compileSql } from "../../lib/process/compile_sql.ts";
import { InputError } from "../../lib/errors.ts";

const perAnswer = { perAnswer: true };

Deno.test("compileSql() names one statement after its source, several by number and line", () => {
  assert.deepEqual(compileSql("INSERT INTO t VALUES (:key)", "--into", perAnswer), [
    { sql: "INSERT INTO t VALUES (:key)", label: "--into", params: [":key"] },
  ]);
  const labels = compileSql(
    "DELETE FROM t WHERE k = :key;\nINSERT INTO t VALUES (:key)",
    "--into",
    perAnswer,
  )
    .map((s) => s.label);
  assert.deepEqual(labels, ["--into statement 1 (line 1)", "--into statement 2 (line 2)"]);
});

Deno.test("compileSql() takes every answer parameter, with any of SQLite's prefixes", () => {
  const [s] = compileSql(
    "SELECT :key, :job, :status, :url, :at, :vars, :body, @key, $body",
    "--into",
    perAnswer,
  );
  assert.equal(s!.params.length, 9);
});

Deno.test("compileSql() refuses an unknown parameter, naming it and the ones there are", () => {
  assert.throws(
    () => compileSql("INSERT INTO t VALUES (:key, :title)", "--into", perAnswer),
    (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /^--into: INSERT INTO t VALUES \(:key, :title\): uses :title/);
      assert.match(error.message, /it sets :key, :page, :job, :status, :url, :at, :vars, :body/);
      return true;
    },
  );
});

Deno.test("compileSql() refuses positional parameters and parameters in a schema", () => {
  assert.throws(() => compileSql("INSERT INTO t VALUES (?)", "--into", perAnswer), /positional/);
  assert.throws(
    () => compileSql("CREATE TABLE t (k DEFAULT :key)", "--schema"),
    /uses :key, which sluice does not set; --schema runs once, with no answer/,
  );
});

Deno.test("compileSql() refuses transaction control and SQL with no statement", () => {
  assert.throws(
    () => compileSql("BEGIN; CREATE TABLE t (a); COMMIT", "--schema"),
    /--schema statement 1 \(line 1\): BEGIN: sluice runs it inside its own transaction/,
  );
  assert.throws(() => compileSql(" -- nothing\n", "--into", perAnswer), /--into holds no SQL/);
});
