import assert from "node:assert/strict";
import { detectCsvDelimiter } from "../../lib/job/csv_delimiter.ts";

Deno.test("detectCsvDelimiter() picks the delimiter that splits the header and rows alike", () => {
  const cases: [string, string][] = [
    ["a,b\n1,2\n", ","],
    ["a;b\n1;2\n", ";"],
    ["a\tb\n1\t2\n", "\t"],
    ["a|b\n1|2\n", "|"],
    // Commas in the values of a semicolon file, semicolons in the values of a comma file.
    ["id;query\n1;cheap flights, paris\n2;a, b, c\n", ";"],
    ['id,query\n1,"a;b;c;d"\n2,x\n', ","],
    // A delimiter inside quotes does not count.
    ['"a;b";c\n"1;2";3\n', ";"],
    ['"a,b,c"\t"d"\n1\t2\n', "\t"],
    // The header alone decides when there are no rows yet.
    ["id;q", ";"],
    // One column: nothing splits it.
    ["query\nhello, world\n", ","],
    // The header splits with two candidates: the one the rows agree with wins.
    ["a,b;c\n1,2\n3,4\n", ","],
    ["a,b;c\n1;2\n3;4\n", ";"],
    // A cut-short or bad row in the sample does not decide.
    ['a;b\n1;2\n3;"4\n', ";"],
    ["", ","],
  ];
  for (const [sample, delimiter] of cases) {
    assert.equal(detectCsvDelimiter(sample), delimiter, JSON.stringify(sample));
  }
});
