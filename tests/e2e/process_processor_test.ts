/**
 * `sluice run --processor` through the CLI: a processor that throws for
 * some answers fails just those items (class `process`, shown by `status`);
 * the others are done with their rows.
 */
import assert from "node:assert/strict";
import { Gate, mockJob, readClient, sluice } from "../_sluice_process.ts";

const PROCESSOR = `
export default {
  tables: { hits: { columns: { key: "TEXT", rank: "INTEGER", title: "TEXT" }, key: ["key", "rank"] } },
  process(answer, query) {
    if (query.q.endsWith("7")) throw new Error("no sevens, please");
    return { hits: answer.body.results.map((r) => ({ key: answer.key, rank: r.rank, title: r.title })) };
  },
};
`;

Deno.test("run --processor that throws for some answers: those fail with class process, the rest have their rows", async () => {
  await using job = await mockJob(40, new Gate());
  await Deno.writeTextFile(`${job.dir}/processor.js`, PROCESSOR);
  const run = await sluice([...job.args, "--processor", "processor.js"], { cwd: job.dir });
  assert.equal(run.code, 1, run.stderr); // finished with failed items
  const client = readClient(job.db);
  try {
    const rows = async (sql: string) =>
      (await client.execute(sql)).rows.map((r) => Array.from({ length: r.length }, (_, i) => r[i]));
    assert.deepEqual(
      await rows(
        "SELECT status, error_class, last_error, count(*) FROM items GROUP BY 1, 2, 3 ORDER BY 1",
      ),
      [
        ["done", null, null, 36],
        ["failed", "process", "process: no sevens, please", 4],
      ],
    );
    assert.deepEqual(
      await rows(
        `SELECT count(*) FROM items i WHERE i.status = 'done'
           AND (SELECT count(*) FROM hits h WHERE h.key = i.key)
             != (SELECT json_array_length(r.body, '$.results') FROM responses r WHERE r.item = i.id)`,
      ),
      [[0]],
    );
    assert.deepEqual(
      await rows(
        "SELECT count(*) FROM hits h JOIN items i ON i.key = h.key WHERE i.status = 'failed'",
      ),
      [[0]],
    );
  } finally {
    client.close();
  }
  const status = await sluice(["status", "--db", `file:${job.db}`]);
  assert.match(status.stdout, /failed by last error: process 4/);
  assert.match(status.stdout, /4 × process: no sevens, please/);
});
