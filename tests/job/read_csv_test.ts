import assert from "node:assert/strict";
import { InputError } from "../../lib/errors.ts";
import { BadRows } from "../../lib/job/bad_rows.ts";
import { type CsvHeader, readCsv } from "../../lib/job/read_csv.ts";
import { chunked } from "./_chunked.ts";

Deno.test("readCsv() gives each record the line it starts on", async () => {
  const text = 'q,n\r\n\r\n"multi\nline",1\n\nz,2';
  const records = await Array.fromAsync(readCsv(chunked(text, 2), "q.csv"));
  assert.deepEqual(records, [
    { vars: { q: "multi\nline", n: "1" }, line: 3 },
    { vars: { q: "z", n: "2" }, line: 6 },
  ]);
});

Deno.test("readCsv() names the line an unclosed quote opened on", async () => {
  await assert.rejects(
    Array.fromAsync(readCsv(chunked('q,n\na,1\n\nb,"2\nc,3\n'), "q.csv")),
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.line, 4);
      assert.ok(!/line \d+$/.test(err.message), err.message);
      return true;
    },
  );
});

Deno.test("readCsv() reads a header-only file as no queries", async () => {
  assert.deepEqual(await Array.fromAsync(readCsv(chunked("q,n\n"), "q.csv")), []);
});

Deno.test("readCsv() finds the delimiter from the first lines: semicolons, tabs, pipes", async () => {
  const cases: [string, string][] = [
    ['id;q\n1;cheap flights, paris\n2;"a;b"\n', ";"],
    ['id\tq\n1\thello, world\n2\t"tab\tinside"\n', "\t"],
    ["id|q\n1|a,b;c\n", "|"],
    ['id,q\n1,"x;y;z"\n', ","],
  ];
  for (const [text, delimiter] of cases) {
    let header: CsvHeader | undefined;
    const records = await Array.fromAsync(
      readCsv(chunked(text, 2), "q.csv", { onHeader: (h) => header = h }),
    );
    assert.deepEqual(header, { delimiter, columns: ["id", "q"] }, JSON.stringify(text));
    assert.equal(records[0]?.vars.id, "1");
    assert.deepEqual(records.map((r) => r.line), records.map((_, i) => i + 2));
  }
  // A given delimiter wins over what the lines suggest.
  const given = await Array.fromAsync(
    readCsv(chunked("a;b,c\n1;2,3\n"), "q.csv", { delimiter: ";" }),
  );
  assert.deepEqual(given[0]?.vars, { a: "1", "b,c": "2,3" });
});

Deno.test("readCsv() reads a quote inside an unquoted field as text", async () => {
  const text = 'q,n\nthe 5" screen,1\nsay "hi" there,2\n"quoted ""twice""",3\n';
  const records = await Array.fromAsync(readCsv(chunked(text), "q.csv"));
  assert.deepEqual(records.map((r) => r.vars.q), [
    'the 5" screen',
    'say "hi" there',
    'quoted "twice"',
  ]);
});

Deno.test("readCsv() stops at the first bad row with its line, or skips each into badRows", async () => {
  const text = 'q,n\na,1\n\nb,2,extra\nc,3\n"d,4\ne,5\nf,6\r\n';
  await assert.rejects(Array.fromAsync(readCsv(chunked(text), "q.csv")), {
    name: "InputError",
    message: "q.csv:4: Cannot read row as the header's 2 fields: it has 3",
  });
  // Whatever the chunks cut, the same rows are read and skipped; a quote never
  // closed makes its own line bad, not the rest of the file.
  for (const size of [1, 2, 5, 64]) {
    const badRows = new BadRows();
    const records = await Array.fromAsync(readCsv(chunked(text, size), "q.csv", { badRows }));
    const read = records.map((r) => [r.line, r.vars.q]);
    assert.deepEqual(read, [[2, "a"], [5, "c"], [7, "e"], [8, "f"]], `chunks of ${size}`);
    assert.deepEqual(badRows.first, [
      { line: 4, reason: "Cannot read row as the header's 2 fields: it has 3" },
      { line: 6, reason: "Cannot read row: a quote opened on this line is never closed" },
    ], `chunks of ${size}`);
  }
});

Deno.test("readCsv() names the lines a quote closed too late joined into one bad row", async () => {
  const text = 'q,n\n"a,1\nb,2\nc",3,4\nd,5\n';
  for (const size of [1, 3, 64]) {
    const badRows = new BadRows();
    const records = await Array.fromAsync(readCsv(chunked(text, size), "q.csv", { badRows }));
    assert.deepEqual(records.map((r) => [r.line, r.vars.q]), [[3, "b"], [5, "d"]]);
    assert.deepEqual(badRows.first, [
      {
        line: 2,
        reason: "Cannot read row as the header's 2 fields: it has 3 " +
          "(a quoted field runs from this line on to line 4)",
      },
      { line: 4, reason: "Cannot read row as the header's 2 fields: it has 3" },
    ]);
  }
});

Deno.test("readCsv() does not join lines when a quote that opened a field closes with text after it", async () => {
  // Read loosely, the quote on line 3 made lines 3 to 5 one value ('"b,2\nc,3\nd" e'),
  // with as many fields as the header: three queries silently became one.
  const text = 'q,n\na,1\n"b,2\nc,3\nd" e,4\nf,5\n';
  await assert.rejects(Array.fromAsync(readCsv(chunked(text), "q.csv")), {
    name: "InputError",
    message: "q.csv:3: Cannot read row: a quote opened on this line closes on line 5 " +
      "with text after it",
  });
  for (const size of [1, 3, 64]) {
    const badRows = new BadRows();
    const records = await Array.fromAsync(readCsv(chunked(text, size), "q.csv", { badRows }));
    assert.deepEqual(records.map((r) => [r.line, r.vars.q]), [
      [2, "a"],
      [4, "c"],
      [5, 'd" e'],
      [6, "f"],
    ], `chunks of ${size}`);
    assert.deepEqual(badRows.first, [{
      line: 3,
      reason: "Cannot read row: a quote opened on this line closes on line 5 with text after it",
    }]);
  }
  // A quoted value may start with a quote and span lines: '"""a\nb"" c"' is '"a\nb" c'.
  const quoted = await Array.fromAsync(readCsv(chunked('q,n\n"""a\nb"" c",1\n'), "q.csv"));
  assert.deepEqual(quoted.map((r) => r.vars.q), ['"a\nb" c']);
});

Deno.test("readCsv() refuses a header that names a field twice, whose first column a row would lose", async () => {
  await assert.rejects(Array.fromAsync(readCsv(chunked("id,q,n,q\n1,a,2,b\n"), "q.csv")), {
    name: "InputError",
    message: 'q.csv:1: Cannot read the CSV header: it names field "q" twice (columns 2 and 4), ' +
      "and a row would keep only the last one's value",
  });
  // Unnamed columns (a spreadsheet's trailing delimiters) are no field anyone names.
  const records = await Array.fromAsync(readCsv(chunked("id,q,,\n1,a,,\n"), "q.csv"));
  assert.deepEqual(records.map((r) => [r.vars.id, r.vars.q]), [["1", "a"]]);
});

Deno.test("readCsv() takes the delimiter from Excel's first line sep=; and reads the header after it", async () => {
  let header: CsvHeader | undefined;
  const text = "sep=;\r\nid;q\r\n1;a,b\r\n2;c\r\n";
  for (const size of [1, 4, 64]) {
    const records = await Array.fromAsync(
      readCsv(chunked(text, size), "q.csv", { onHeader: (h) => header = h }),
    );
    assert.deepEqual(header, { delimiter: ";", columns: ["id", "q"] });
    assert.deepEqual(records, [
      { vars: { id: "1", q: "a,b" }, line: 3 },
      { vars: { id: "2", q: "c" }, line: 4 },
    ], `chunks of ${size}`);
  }
  await assert.rejects(Array.fromAsync(readCsv(chunked("sep=,\nid,q\n1,a,b\n"), "q.csv")), {
    message: "q.csv:3: Cannot read row as the header's 2 fields: it has 3",
  });
});
