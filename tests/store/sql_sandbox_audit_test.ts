import assert from "node:assert/strict";
import { openConnection } from "../../lib/store/connection.ts";
import { checkAll } from "../../lib/store/sql_sandbox.ts";

Deno.test("checkAll(): a trigger SQLite refuses to compile (unsafe use of writefile) is shown as the statement that made it, with its table", async () => {
  const db = await openConnection(":memory:");
  try {
    const read = (s: string | { sql: string }) => db.execute(s, "read the schema");
    const trigger =
      "CREATE TRIGGER t AFTER INSERT ON h WHEN writefile('x', 'y') BEGIN SELECT 1; END";
    await assert.rejects(
      checkAll(read, db.url, [
        { sql: "CREATE TABLE h (a)", label: "--schema statement 1", use: "write" },
        { sql: trigger, label: "--schema statement 2", use: "write" },
      ]),
      {
        name: "InputError",
        message: new RegExp(
          '^--schema statement 2: refused by the SQL sandbox \\(allowed functions only\\): table "h": ' +
            "calls writefile\\(\\)[^\\n]*\\n  in: CREATE TRIGGER t AFTER INSERT ON h WHEN writefile",
        ),
      },
    );
  } finally {
    db.close();
  }
});
