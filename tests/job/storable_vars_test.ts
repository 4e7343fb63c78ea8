import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { parseExactJson } from "../../lib/job/exact_json.ts";
import { openInput } from "../../lib/job/input.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { JSON_MAX_DEPTH, unstorableValue } from "../../lib/job/storable_vars.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { testDb } from "../_db.ts";

const REQUEST = { url: "http://api.test/search" };

/** `{x: [[...[1]...]]}`: `levels` objects and arrays in all, the query object included. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 1; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return { x: value };
}

Deno.test("JSON_MAX_DEPTH is the nesting libSQL's json() reads back when claiming", async () => {
  using db = await testDb();
  const { store } = db;
  const job = await store.jobs.create({ name: "j", request: REQUEST, options: {}, now: 0 });
  // Stored as they come, past the import's check, to see what a claim makes of them.
  const at = JSON.stringify(nested(JSON_MAX_DEPTH));
  const beyond = JSON.stringify(nested(JSON_MAX_DEPTH + 1));
  await store.queue.importItems(job.id, [[0, "at", at]], 0);
  const [claimed] = await store.queue.claim(job.id, "me", 1, 1, 100);
  assert.equal(JSON.stringify(claimed?.vars), at);
  await store.queue.importItems(job.id, [[1, "beyond", beyond]], 0);
  await assert.rejects(store.queue.claim(job.id, "me", 1, 1, 100), /malformed JSON/);
  assert.equal(unstorableValue(nested(JSON_MAX_DEPTH)), undefined);
  assert.deepEqual(unstorableValue(nested(JSON_MAX_DEPTH + 1))?.field, "x");
});

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  "",
  " ",
  "\u0000nul",
  "\ud800", // a lone surrogate
  "\udc00\ud800",
  "😀 emoji, 中文, עברית, e\u0301",
  "\u2028\u2029\uffff",
  'quote " backslash \\ slash /',
  "x".repeat(100_000),
];
const KEYS = ["", "id2", "__proto__", "constructor", "a.b", "with space", "ключ", '"', "0"];
const NUMBERS = [
  "0",
  "-0",
  "1e308",
  "-1.7976931348623157e308",
  "5e-324",
  "12345678901234567890",
  "-123456789012345678901234567890",
  "0.1000000000000000055511151231257827",
  "9007199254740993",
  "9".repeat(300),
];
/** Numbers a double cannot hold: JSON.parse reads them as ±Infinity, or (non-zero) as 0. */
const INFINITE = [
  "1e400",
  "-1e999",
  `1${"0".repeat(20)}e400`,
  "9".repeat(400),
  "1e-400",
  "-2.5E-999",
];

/** Random JSON texts, and whether the database can hold what they hold. */
class Shapes {
  bad = false;
  constructor(readonly next: () => number) {}

  pick<T>(list: T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }

  /** A value up to `depth` levels deep. */
  value(depth: number): string {
    const kind = Math.floor(this.next() * (depth <= 1 ? 4 : 6));
    if (kind === 0) return JSON.stringify(this.pick(STRINGS));
    if (kind === 1) {
      if (this.next() > 0.03) return this.pick(NUMBERS);
      this.bad = true;
      return this.pick(INFINITE);
    }
    if (kind === 2) return this.pick(["true", "false", "null"]);
    if (kind === 3) return JSON.stringify(this.pick(KEYS));
    const items = Array.from({ length: Math.floor(this.next() * 4) }, () => this.value(depth - 1));
    if (kind === 4) return `[${items.join(",")}]`;
    const key = (i: number) => JSON.stringify(this.pick(KEYS) + i);
    return `{${items.map((item, i) => `${key(i)}:${item}`).join(",")}}`;
  }

  /** A query line: mostly small shapes, some nested around the limit. */
  line(id: number): string {
    if (this.next() > 0.15) return `{"id":${id},"v":${this.value(6)}}`;
    // The query object is level 1: `levels` objects and arrays in all.
    const levels = JSON_MAX_DEPTH + this.pick([-1, 0, 0, 1, 2]);
    if (levels > JSON_MAX_DEPTH) this.bad = true;
    let text = this.value(1);
    for (let i = 1; i < levels; i++) {
      text = i % 2 ? `[${text}]` : `{${JSON.stringify(this.pick(KEYS))}:1,"":${text}}`;
    }
    return `{"id":${id},"deep":${text}}`;
  }
}

Deno.test("an import either refuses a query naming its line, or every query it took is claimed as read", async () => {
  const encode = (lines: string[]) => new TextEncoder().encode(lines.join("\n"));
  let refused = 0;
  for (let trial = 0; trial < 40; trial++) {
    const shapes = new Shapes(random(trial));
    const lines: string[] = [];
    let firstBad: number | undefined;
    for (let i = 0; i < 8; i++) {
      lines.push(shapes.line(i));
      if (shapes.bad) firstBad ??= i + 1;
    }
    using db = await testDb();
    const { store } = db;
    const input = await openInput("-", { stdin: ReadableStream.from([encode(lines)]) });
    const importing = prepareJob(store, compileTemplate(REQUEST), {
      name: "j",
      input,
      request: REQUEST,
    });
    if (firstBad !== undefined) {
      await assert.rejects(importing, (err: unknown) => {
        assert.ok(err instanceof InputError, `trial ${trial}: ${err}`);
        assert.equal(err.line, firstBad, `trial ${trial}`);
        return true;
      });
      assert.equal(await db.count("SELECT count(*) FROM items"), 0);
      refused++;
      continue;
    }
    const { job } = await importing;
    const claimed: string[] = [];
    for (let page = await store.queue.claim(job.id, "me", 3, 1, 100); page.length > 0;) {
      for (const item of page) claimed.push(JSON.stringify(item.vars));
      page = await store.queue.claim(job.id, "me", 3, 1, 100);
    }
    // What was read, written back as JSON, is what the claim gives (exact digits included).
    const read = await openInput("-", { stdin: ReadableStream.from([encode(lines)]) });
    const expected = (await Array.fromAsync(read.queries)).map((q) => JSON.stringify(q.vars));
    assert.deepEqual(claimed.sort(), expected.sort(), `trial ${trial}`);
  }
  // Both sides of the property were exercised.
  assert.ok(refused > 5 && refused < 35, `${refused} of 40 inputs refused`);
});

Deno.test("a long string, an empty key and __proto__ are claimed as read", async () => {
  const line = `{"":"empty key","__proto__":{"":""},"s":${
    JSON.stringify("long ".repeat(400_000))
  }}`;
  using db = await testDb();
  const { store } = db;
  const input = await openInput("-", {
    format: "jsonl", // a line over 1 MiB would be taken for a job file
    stdin: ReadableStream.from([new TextEncoder().encode(line)]),
  });
  const { job } = await prepareJob(store, compileTemplate(REQUEST), {
    name: "j",
    input,
    request: REQUEST,
  });
  const [item] = await store.queue.claim(job.id, "me", 1, 1, 100);
  assert.equal(JSON.stringify(item?.vars), JSON.stringify(JSON.parse(line)));
});

/** A query nested `levels` deep in all: alternating arrays and objects. */
function deepLine(levels: number): string {
  let text = '"leaf"';
  for (let i = 1; i < levels; i++) text = i % 2 ? `[${text}]` : `{"":${text}}`;
  return `{"deep":${text}}`;
}

Deno.test("an import refuses what a claim could not read back, naming file, line and field", async () => {
  const cases: [string, string, RegExp][] = [
    [deepLine(JSON_MAX_DEPTH + 1), "deep", /nested deeper than 1000 levels/],
    ['{"id": 1e400}', "id", /beyond ±1.8e308 as JSON: current value is 'Infinity'/],
    ['{"a": {"b": [1, -1e999]}}', "a.b[1]", /current value is '-Infinity'/],
    [
      '{"a": [0e-999, 1e-400]}',
      "a[1]",
      /below ±5e-324 as JSON: current value is '1e-400' \(it would be sent as 0\)$/,
    ],
    [`{"n": 1${"0".repeat(20)}e400}`, "n", /current value is '100000000000000000000e400'/],
    [
      `{"n": 1${"0".repeat(400)}}`,
      "n",
      /current value is '10{26}\.\.\.' \(it would be sent as null\)$/,
    ],
  ];
  for (const [line, field, message] of cases) {
    using db = await testDb();
    const text = `{"q":"fine"}\n${line}\n`;
    const input = await openInput("-", {
      stdin: ReadableStream.from([new TextEncoder().encode(text)]),
    });
    await assert.rejects(
      prepareJob(db.store, compileTemplate(REQUEST), { name: "j", input, request: REQUEST }),
      (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.equal(err.file, "-");
        assert.equal(err.line, 2);
        assert.equal(err.field, field);
        assert.match(err.message, message);
        return true;
      },
    );
    assert.equal(await db.count("SELECT count(*) FROM items"), 0);
  }
  // A number kept as its exact text is stored as written.
  assert.equal(unstorableValue(parseExactJson('{"id":12345678901234567890}') as never), undefined);
});
