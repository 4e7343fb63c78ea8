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

Deno.test("torture with --into: after SIGKILLs at random moments, every done item has its rows exactly once, no other item any", async () => {
  const seed = Number(
    Deno.env.get("SLUICE_TORTURE_SEED") ?? Math.floor(Math.random() * 2 ** 31),
  );
  note(`torture --into seed ${seed} (SLUICE_TORTURE_SEED=${seed} replays this schedule)`);
  const f = await runTorture({
    seed,
    items: 2000,
    kills: 10,
    concurrency: 8,
    into: true,
    log: note,
  });
  note(
    `torture --into seed ${seed}: ${f.killed} kills; ${f.into?.rows} rows for ${f.done} done items; ` +
      `${f.elapsedMs} ms`,
  );
  assert.equal(f.finalCode, 0, f.finalStderr);
  assert.ok(f.killed >= 8, `only ${f.killed} kills landed`);
  assert.equal(f.done, f.items, "every item done");
  for (const [i, kill] of f.kills.entries()) {
    assert.equal(
      kill.into?.doneWithWrongRows,
      0,
      `kill ${i + 1}: a done item without its rows exactly once`,
    );
    assert.equal(kill.into?.notDoneWithRows, 0, `kill ${i + 1}: an item not done has rows`);
  }
  assert.equal(f.into?.doneWithWrongRows, 0, "a done item without its rows exactly once");
  assert.equal(f.into?.notDoneWithRows, 0);
  assert.ok((f.into?.rows ?? 0) >= f.items, `${f.into?.rows} rows`);
  assert.equal(f.responses, f.items, "one final response row per item");
});

Deno.test("torture with pages: SIGKILLs over a 1,000-query, 3,000-page job; every page answered, its rows once", async () => {
  const seed = Number(Deno.env.get("SLUICE_TORTURE_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  note(`torture --next seed ${seed} (SLUICE_TORTURE_SEED=${seed} replays this schedule)`);
  const f = await runTorture({
    seed,
    items: 1000,
    pages: 3,
    kills: 8,
    concurrency: 8,
    // Kills spread over the job, so that some land while later pages are being added.
    maxDelayMs: 1500,
    into: true,
    log: note,
  });
  note(
    `torture --next seed ${seed}: ${f.killed} kills; ${f.requests} requests for ${f.pages} pages; ` +
      `${f.duplicateKeys} pages fetched more than once (bound concurrency × kills = ${f.bound}); ` +
      `${f.into?.rows} rows; ${f.elapsedMs} ms`,
  );
  assert.equal(f.finalCode, 0, f.finalStderr);
  assert.ok(f.killed >= 6, `only ${f.killed} kills landed`);
  assert.equal(f.done, f.pages, "every page done");
  assert.equal(f.responses, f.pages, "one final response row per page");
  assert.equal(f.itemsWithSeveralRows, 0, "a page has several rows in responses");
  assert.equal(f.unanswered, 0, "every page answered at least once by the mock");
  assert.ok(
    f.duplicateKeys <= f.bound,
    `${f.duplicateKeys} pages fetched more than once, more than concurrency × kills = ${f.bound}`,
  );
  assert.equal(f.unflaggedDuplicates, 0, "a page fetched twice whose item is not flagged");
  for (const [i, kill] of f.kills.entries()) {
    assert.equal(
      kill.into?.doneWithWrongRows,
      0,
      `kill ${i + 1}: a done page without its rows once`,
    );
    assert.equal(kill.into?.notDoneWithRows, 0, `kill ${i + 1}: a page not done has rows`);
  }
  assert.equal(f.into?.doneWithWrongRows, 0, "a done page without its rows exactly once");
  assert.equal(f.into?.rows, f.pages * 3, "three results per page, each once");
});
