import assert from "node:assert/strict";
import { parseJsonPath, readJsonPath } from "../../lib/util/json_path.ts";

const body = {
  "@odata.nextLink": "https://api.test/next",
  links: { next: "/p/2", "a.b": 1 },
  hits: [{ sort: [1, "x"] }, { sort: [2, "y"] }],
  empty: [],
  nothing: null,
};

Deno.test("readJsonPath() reads SQLite's path syntax: keys, quoted keys, indexes from either end", () => {
  const cases: [string, unknown][] = [
    ["$", body],
    ["$.links.next", "/p/2"],
    ['$."@odata.nextLink"', "https://api.test/next"],
    ['$.links."a.b"', 1],
    ["$.hits[1].sort", [2, "y"]],
    ["$.hits[#-1].sort[0]", 2],
    ["$.hits[2]", undefined],
    ["$.hits[#-3]", undefined],
    ["$.empty", []],
    ["$.nothing", null],
    ["$.nothing.more", undefined],
    ["$.links[0]", undefined],
    ["$.hits.sort", undefined],
    ["$.missing", undefined],
  ];
  for (const [path, want] of cases) {
    assert.deepEqual(readJsonPath(body, parseJsonPath(path)), want, path);
  }
});

Deno.test("parseJsonPath() says where a path does not parse", () => {
  const cases: [string, RegExp][] = [
    ["links.next", /must start with \$/],
    ["", /must start with \$/],
    ["$.", /empty key at 2/],
    ["$..a", /empty key at 2/],
    ['$."open', /unclosed quote at 2/],
    ["$.a[x]", /expected \[n\] or \[#-n\] at 3/],
    ["$.a[-1]", /expected \[n\] or \[#-n\] at 3/],
    ["$a", /expected \. or \[ at 1/],
  ];
  for (const [path, message] of cases) assert.throws(() => parseJsonPath(path), message, path);
});
