import assert from "node:assert/strict";
import {
  describeNextSpec,
  formatNextSpec,
  parseNextSpec,
  saysMorePages,
} from "../../lib/job/next_spec.ts";
import { InputError } from "../../lib/errors.ts";

Deno.test("parseNextSpec() takes 'while $.path' after any kind, and formats it back", () => {
  for (
    const text of [
      "link while $.has_more",
      "url:$.links.next while $.meta.more",
      "cursor:$.data[#-1].id while $.has_more",
      'page:$.results while $."has-more"',
    ]
  ) {
    const spec = parseNextSpec(`  ${text.replace(" while ", "   while  ")} `, "--next");
    assert.ok(spec.while, text);
    assert.equal(formatNextSpec(spec), text);
    assert.match(describeNextSpec(spec), /, only while \$\S+ of the answer says there are more/);
  }
  assert.equal(parseNextSpec("cursor:$.next", "--next").while, undefined);
});

Deno.test("parseNextSpec() refuses a while that is not a JSON path, naming the flag", () => {
  const cases: [string, RegExp][] = [
    ["cursor:$.next while $.a[x]", /^Cannot use --next: Cannot parse '\$\.a\[x\]' as a JSON path/],
    ["link while has_more", /^Cannot parse --next as a next-page spec: current value is/],
    ["while $.has_more", /^Cannot parse --next as a next-page spec/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseNextSpec(text, "--next"), (e: Error) => {
      assert.ok(e instanceof InputError, text);
      assert.match(e.message, message, text);
      return true;
    });
  }
});

Deno.test("saysMorePages() reads flags, arrays and page counts; anything else is the last page", () => {
  const cases: [unknown, number, boolean][] = [
    [true, 9, true],
    [false, 1, false],
    ["true", 1, false],
    [[0], 1, true],
    [[], 1, false],
    [3, 2, true],
    [3, 3, false],
    [0, 1, false],
    [" 4 ", 3, true],
    ["3.5", 1, false],
    [null, 1, false],
    [undefined, 1, false],
    [{ more: true }, 1, false],
  ];
  for (const [value, page, more] of cases) {
    assert.equal(saysMorePages(value, page), more, `${JSON.stringify(value)} at page ${page}`);
  }
});
