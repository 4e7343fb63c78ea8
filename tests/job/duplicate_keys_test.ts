import assert from "node:assert/strict";
import { DuplicateKeys, type ImportRow, type KeptItem } from "../../lib/job/duplicate_keys.ts";
import { itemKey } from "../../lib/job/item_key.ts";

/** The import's side of the database: INSERT OR IGNORE by key, and the kept rows of some keys. */
class FakeItems {
  readonly kept = new Map<string, KeptItem>();
  insert(rows: ImportRow[]): number {
    let inserted = 0;
    for (const [seq, key, vars] of rows) {
      if (this.kept.has(key)) continue;
      this.kept.set(key, { key, seq, vars });
      inserted++;
    }
    return inserted;
  }
  find(keys: string[]): KeptItem[] {
    return keys.flatMap((key) => this.kept.get(key) ?? []);
  }
}

/** Imports queries as prepareJob would, batch by batch, asking for kept rows only when some were skipped. */
function importQueries(
  items: FakeItems,
  queries: { vars: Record<string, unknown>; line: number }[],
  options: { firstSeq?: number; batchSize?: number; keep?: number } = {},
) {
  const { firstSeq = 0, batchSize = 2, keep } = options;
  const duplicates = new DuplicateKeys({ keep });
  let seq = firstSeq;
  let rows: ImportRow[] = [];
  let lookups = 0;
  const flush = () => {
    if (items.insert(rows) < rows.length) {
      lookups++;
      duplicates.add(rows, items.find(rows.map((r) => r[1])));
    }
    rows = [];
  };
  for (const query of queries) {
    duplicates.note(seq, query.line);
    rows.push([seq++, itemKey(query.vars), JSON.stringify(query.vars)]);
    if (rows.length >= batchSize) flush();
  }
  flush();
  return { report: duplicates.report(), lookups };
}

Deno.test("DuplicateKeys reports a key with other content, in a batch and across batches", () => {
  const queries = [
    { vars: { id: 1, q: "a" }, line: 1 },
    { vars: { id: 1, q: "b" }, line: 2 }, // same batch
    { vars: { id: 2, q: "c" }, line: 4 },
    { vars: { id: 3, q: "d" }, line: 5 },
    { vars: { id: 2, q: "changed" }, line: 6 }, // a later batch
  ];
  const { report } = importQueries(new FakeItems(), queries);
  assert.deepEqual(report, {
    skipped: 2,
    differing: 2,
    first: [{ key: "1", line: 2, firstLine: 1 }, { key: "2", line: 6, firstLine: 4 }],
  });
});

Deno.test("DuplicateKeys counts the same content (any key order) as skipped, not differing", () => {
  const queries = [
    { vars: { id: "x", a: 1, b: 2 }, line: 1 },
    { vars: { b: 2, a: 1, id: "x" }, line: 2 },
    { vars: { q: "hashed" }, line: 3 },
    { vars: { q: "hashed" }, line: 4 },
  ];
  assert.deepEqual(importQueries(new FakeItems(), queries).report, {
    skipped: 2,
    differing: 0,
    first: [],
  });
});

Deno.test("DuplicateKeys gives no first line for a key an earlier import added", () => {
  const items = new FakeItems();
  importQueries(items, [{ vars: { id: 7, q: "old" }, line: 1 }]);
  const { report } = importQueries(items, [{ vars: { id: 7, q: "new" }, line: 3 }], {
    firstSeq: 1,
  });
  assert.deepEqual(report.first, [{ key: "7", line: 3, firstLine: undefined }]);
});

Deno.test("DuplicateKeys keeps the first few and counts the rest; clean batches cost no lookup", () => {
  const queries = Array.from(
    { length: 20 },
    (_, i) => ({ vars: { id: i % 4, n: i }, line: i + 1 }),
  );
  const { report, lookups } = importQueries(new FakeItems(), queries, { keep: 3, batchSize: 4 });
  assert.equal(report.skipped, 16);
  assert.equal(report.differing, 16);
  assert.deepEqual(report.first.map((d) => [d.key, d.line, d.firstLine]), [
    ["0", 5, 1],
    ["1", 6, 2],
    ["2", 7, 3],
  ]);
  assert.equal(lookups, 4);
  const clean = importQueries(new FakeItems(), [{ vars: { id: 1 }, line: 1 }, {
    vars: { id: 2 },
    line: 2,
  }]);
  assert.equal(clean.lookups, 0);
});
