/**
 * Crash-exact resume under kill -9: see tests/_torture.ts. The kill schedule
 * comes from a seed, printed; set SLUICE_TORTURE_SEED to replay one.
 */
import assert from "node:assert/strict";
import { runTorture } from "./_torture.ts";

// deno-lint-ignore no-console
const note = (line: string) => console.log(line);

Deno.test("torture: SIGKILL at random moments, resume, every item done exactly once", async () => {
  const seed = Number(Deno.env.get("SLUICE_TORTURE_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  note(`torture seed ${seed} (SLUICE_TORTURE_SEED=${seed} replays this schedule)`);
  const f = await runTorture({ seed, items: 3000, kills: 12, concurrency: 8, log: note });
  const phases = Object.groupBy(f.kills.filter((k) => k.killed), (k) => k.phase);
  note(
    `torture seed ${seed}: ${f.killed} kills (import ${phases.import?.length ?? 0}, running ` +
      `${phases.running?.length ?? 0}, write lock held ${phases.write?.length ?? 0}); ` +
      `${f.requests} requests for ${f.items} items; ${f.duplicateKeys} keys sent more than once ` +
      `(${f.extraSends} extra sends; bound concurrency × kills = ${f.bound}); ` +
      `${f.possiblySent} items flagged possibly sent; ${f.elapsedMs} ms`,
  );
  assert.equal(f.finalCode, 0, f.finalStderr);
  assert.ok(f.killed >= 10, `only ${f.killed} kills landed`);
  assert.ok((phases.import?.length ?? 0) >= 1, "no kill during the import");
  assert.equal(f.done, f.items, "every item done");
  assert.equal(f.itemsWithSeveralRows, 0, "an item has several rows in responses");
  assert.equal(f.responses, f.items, "one final response row per item");
  assert.equal(f.unanswered, 0, "every key answered at least once by the mock");
  assert.ok(
    f.duplicateKeys <= f.bound,
    `${f.duplicateKeys} keys sent more than once, more than concurrency × kills = ${f.bound}`,
  );
  assert.equal(
    f.unflaggedDuplicates,
    0,
    "a key sent twice whose item is not flagged possibly sent",
  );
});
