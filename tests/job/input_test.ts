import assert from "node:assert/strict";
import { withFile } from "./_with_file.ts";
import { InputError } from "../../lib/errors.ts";
import { type InputSource, openInput, type QueryRecord } from "../../lib/job/input.ts";
import { chunked } from "./_chunked.ts";

const encoder = new TextEncoder();

const read = (source: InputSource): Promise<QueryRecord[]> => Array.fromAsync(source.queries);
const lines = (records: QueryRecord[]) => records.map((r) => [r.line, r.vars]);

async function rejectsWith(source: InputSource, message: string, line?: number) {
  await assert.rejects(read(source), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.file, source.file);
    assert.equal(err.line, line);
    return true;
  });
}

Deno.test("openInput() streams JSONL, skipping blank lines and keeping line numbers", async () => {
  await withFile("q.jsonl", '{"q":"a"}\n\n  \n{"q":"b","n":2}\r\n{"q":"c"}', async (path) => {
    const source = await openInput(path);
    assert.equal(source.format, "jsonl");
    assert.deepEqual(source.settings, {});
    assert.deepEqual(lines(await read(source)), [[1, { q: "a" }], [4, { q: "b", n: 2 }], [5, {
      q: "c",
    }]]);
  });
});

Deno.test("openInput() reads .ndjson as JSONL", async () => {
  await withFile("q.ndjson", '{"q":1}\n{"q":2}\n', async (path) => {
    const source = await openInput(path);
    assert.equal(source.format, "jsonl");
    assert.equal((await read(source)).length, 2);
  });
});

Deno.test("openInput() reports malformed JSONL with its file and line", async () => {
  await withFile("bad.jsonl", '{"q":1}\n{"q":2}\n{"q":\n', async (path) => {
    const source = await openInput(path);
    await rejectsWith(source, `${path}:3: Unexpected end of JSON input`, 3);
  });
});

Deno.test("openInput() rejects a JSONL query that is not an object", async () => {
  await withFile("q.jsonl", '{"q":1}\n[1,2]\n', async (path) => {
    const source = await openInput(path);
    await rejectsWith(source, `${path}:2: Cannot use a query as an object: got an array`, 2);
  });
});

Deno.test("openInput() streams a JSON array with the line each query starts on", async () => {
  const text = '[\n  {"q": "a"},\n  {"q": "b",\n   "n": 2},\n  {"q": "ü€"}, {"q": "d"}\n]\n';
  const expected = [[2, { q: "a" }], [3, { q: "b", n: 2 }], [5, { q: "ü€" }], [5, { q: "d" }]];
  await withFile("q.json", text, async (path) => {
    const source = await openInput(path);
    assert.equal(source.format, "json");
    assert.deepEqual(lines(await read(source)), expected);
  });
  // The same through tiny chunks that split lines and multi-byte characters.
  for (const size of [1, 2, 5, 7]) {
    const source = await openInput("-", { stdin: chunked(text, size) });
    assert.equal(source.format, "json");
    assert.deepEqual(lines(await read(source)), expected);
  }
});

Deno.test("openInput() reports malformed JSON arrays with their line", async () => {
  await withFile("bad.json", '[\n{"q":1},\n{"q" 2}\n]', async (path) => {
    const source = await openInput(path);
    const records: QueryRecord[] = [];
    await assert.rejects(
      async () => {
        for await (const record of source.queries) records.push(record);
      },
      (err: unknown) =>
        err instanceof InputError && err.line === 3 && err.message.startsWith(`${path}:3: `),
    );
    assert.deepEqual(lines(records), [[2, { q: 1 }]]);
  });
  await withFile("cut.json", '[{"q":1},\n{"q":2}', async (path) => {
    await assert.rejects(read(await openInput(path)), {
      name: "InputError",
      message: new RegExp(`^${path}:2: `),
    });
  });
  await withFile("num.json", '[\n{"q":1},\n3\n]', async (path) => {
    await rejectsWith(
      await openInput(path),
      `${path}:3: Cannot use a query as an object: got a number`,
      3,
    );
  });
});

Deno.test("openInput() reads a job file's settings and queries", async () => {
  const job = {
    request: { url: "https://x.test/?q={{q}}", body: { q: "{{q}}" } },
    rate: "5/s",
    concurrency: 4,
    queries: [{ q: "a" }, { q: "b" }],
  };
  await withFile("job.json", JSON.stringify(job, null, 2), async (path) => {
    const source = await openInput(path);
    assert.equal(source.format, "job");
    assert.deepEqual(source.settings, { request: job.request, rate: "5/s", concurrency: 4 });
    assert.deepEqual(lines(await read(source)), [[11, { q: "a" }], [14, { q: "b" }]]);
  });
});

Deno.test("openInput() rejects a bad job file at once", async () => {
  await withFile(
    "job.json",
    '{\n "rate": 1,\n "queries": [\n  {"q": 1},\n  {"q": }\n ]\n}',
    async (path) => {
      await assert.rejects(
        openInput(path),
        (err: unknown) => err instanceof InputError && err.line === 5,
      );
    },
  );
  await withFile("job.json", '{"rate": 1}', async (path) => {
    await assert.rejects(openInput(path), {
      name: "InputError",
      message: `${path}: Cannot read input as a job file: it needs a "queries" array`,
    });
  });
  await withFile("job.json", '{"queries": [{"q": 1}, "x"]}', async (path) => {
    await assert.rejects(openInput(path), {
      message: `${path}:1: Cannot use a query as an object: got a string`,
    });
  });
});

Deno.test("openInput() reads CSV with a header row into objects of strings", async () => {
  const text = '\uFEFFq,n\n1,2\n\n3,"x\ny"\r\n"a,b",6\n';
  await withFile("q.csv", text, async (path) => {
    const source = await openInput(path);
    assert.equal(source.format, "csv");
    assert.deepEqual(lines(await read(source)), [
      [2, { q: "1", n: "2" }],
      [4, { q: "3", n: "x\ny" }],
      [6, { q: "a,b", n: "6" }],
    ]);
  });
});

Deno.test("openInput() reports CSV rows with the wrong number of columns", async () => {
  await withFile("q.csv", "q,n\n1,2\n3\n", async (path) => {
    await rejectsWith(
      await openInput(path),
      `${path}:3: Cannot read row as the header's 2 fields: it has 1`,
      3,
    );
  });
  await withFile("q.csv", 'q,n\n1,"2\n', async (path) => {
    await assert.rejects(read(await openInput(path)), {
      name: "InputError",
      message: new RegExp(`^${path}`),
    });
  });
});

Deno.test("openInput() sniffs the format of a file without a known extension", async () => {
  const cases: [string, string, number][] = [
    ['[{"q":1}]', "json", 1],
    ['{"q":1}\n{"q":2}\n', "jsonl", 2],
    ['{"q":1}\n', "jsonl", 1],
    ['{\n "queries": [{"q":1}]\n}', "job", 1],
    ['{"rate": 2, "queries": [{"q":1}]}\n', "job", 1],
    ["q,n\n1,2\n", "csv", 1],
    ["", "jsonl", 0],
  ];
  for (const [text, format, count] of cases) {
    await withFile("queries.txt", text, async (path) => {
      const source = await openInput(path);
      assert.equal(source.format, format, text);
      assert.equal((await read(source)).length, count, text);
    });
  }
});

Deno.test("openInput() follows an explicit format", async () => {
  await withFile("data.txt", "q\nx\n", async (path) => {
    assert.deepEqual(lines(await read(await openInput(path, { format: "csv" }))), [[2, {
      q: "x",
    }]]);
  });
  await withFile("data.json", '{"q":1}\n{"q":2}\n', async (path) => {
    const source = await openInput(path, { format: "jsonl" });
    assert.equal(source.format, "jsonl");
    assert.equal((await read(source)).length, 2);
  });
});

Deno.test("openInput() reads stdin when the path is -", async () => {
  const jsonl = await openInput("-", { stdin: chunked('{"q":"a"}\n{"q":"b"}\n', 4) });
  assert.equal(jsonl.file, "-");
  assert.deepEqual(lines(await read(jsonl)), [[1, { q: "a" }], [2, { q: "b" }]]);
  const csv = await openInput("-", { stdin: chunked("q\nx\ny\n"), format: "csv" });
  assert.deepEqual(lines(await read(csv)), [[2, { q: "x" }], [3, { q: "y" }]]);
  const job = await openInput("-", { stdin: chunked('{"rate": 3, "queries": [{"q": 1}]}') });
  assert.equal(job.format, "job");
  assert.deepEqual(job.settings, { rate: 3 });
  const bad = await openInput("-", { stdin: chunked('{"q":1}\n{"q":2}\n{oops}\n') });
  await rejectsWith(bad, `-:3: ${errorOf("{oops}")}`, 3);
});

function errorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return "";
}

Deno.test("openInput() reports a missing file or a directory clearly", async () => {
  await assert.rejects(openInput("/nonexistent/sluice/queries.jsonl"), {
    name: "InputError",
    message: "/nonexistent/sluice/queries.jsonl: Cannot open input: file not found",
  });
  await assert.rejects(openInput("/nonexistent/sluice/queries"), { name: "InputError" });
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(openInput(dir), {
      name: "InputError",
      message: `${dir}: Cannot open input: it is a directory`,
    });
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("openInput() streams JSONL lazily and stops reading when the consumer stops", async () => {
  let produced = 0;
  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      produced++;
      controller.enqueue(encoder.encode(`{"n":${produced},"pad":"${"x".repeat(80)}"}\n`));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const source = await openInput("-", { stdin: endless });
  const first: number[] = [];
  for await (const { vars } of source.queries) {
    first.push(vars.n as number);
    if (first.length === 3) break;
  }
  assert.deepEqual(first, [1, 2, 3]);
  assert.ok(produced < 10, `produced ${produced} lines`);
  assert.ok(cancelled);
});

Deno.test("openInput() stops when its signal aborts", async () => {
  await withFile("q.jsonl", '{"q":1}\n'.repeat(100_000), async (path) => {
    const controller = new AbortController();
    const source = await openInput(path, { signal: controller.signal });
    let count = 0;
    await assert.rejects(async () => {
      for await (const _ of source.queries) if (++count === 10) controller.abort(new Error("stop"));
    }, { message: "stop" });
    assert.ok(count < 100_000);
  });
});

Deno.test("openInput() with skipBadRows skips JSONL lines and JSON values it cannot read", async () => {
  await withFile("q.jsonl", '{"q":1}\n{"q":\n[1]\n{"q":4}\n', async (path) => {
    const source = await openInput(path, { skipBadRows: true });
    assert.deepEqual(lines(await read(source)), [[1, { q: 1 }], [4, { q: 4 }]]);
    assert.deepEqual(source.badRows?.first.map((row) => row.line), [2, 3]);
    assert.match(
      source.badRows!.first[1]!.reason,
      /^Cannot use a query as an object: got an array$/,
    );
  });
  await withFile("q.json", '[\n{"q":1},\n"text",\n{"q":3}\n]', async (path) => {
    const source = await openInput(path, { skipBadRows: true });
    assert.deepEqual(lines(await read(source)), [[2, { q: 1 }], [4, { q: 3 }]]);
    assert.deepEqual(source.badRows?.first, [
      { line: 3, reason: "Cannot use a query as an object: got a string" },
    ]);
  });
  // Without it, no list: the first bad row stops the reading.
  await withFile("q.jsonl", '{"q":1}\n[1]\n', async (path) => {
    const source = await openInput(path);
    assert.equal(source.badRows, undefined);
    await rejectsWith(source, `${path}:2: Cannot use a query as an object: got an array`, 2);
  });
});

Deno.test("openInput() refuses a CSV delimiter it cannot use", async () => {
  for (const delimiter of ["", '"', "\n"]) {
    await assert.rejects(openInput("-", { csvDelimiter: delimiter }), {
      name: "InputError",
      message: /^Cannot use --csv-delimiter as a field delimiter: current value is /,
    });
  }
});
