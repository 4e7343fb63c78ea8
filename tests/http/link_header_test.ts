import assert from "node:assert/strict";
import { linkWithRel, parseLinkHeader } from "../../lib/http/link_header.ts";

Deno.test("linkWithRel() finds rel=next among several links, quoted or not, in a list, any case", () => {
  const cases: [string, string | undefined][] = [
    ['<https://api.test/?page=2>; rel="next"', "https://api.test/?page=2"],
    ["<https://api.test/?page=2>; rel=next", "https://api.test/?page=2"],
    ['<https://api.test/?page=2>;rel="next"', "https://api.test/?page=2"],
    ['</last>; rel="last", </p/2>; rel="next"', "/p/2"],
    ['</p/2>; rel="next last"', "/p/2"],
    ['</p/2>; rel="prefetch NEXT"', "/p/2"],
    ['</p/2> ; title="a, b; rel=next" ; rel="prev"', undefined],
    ['</p/2>; rel="prev", </p/3>; rel="nextish"', undefined],
    ['</p/2>; rel="prev"; rel="next"', undefined], // the first rel wins
    ['<https://api.test/a,b;c>; rel="next"', "https://api.test/a,b;c"],
    ['garbage, </p/2>; rel="next"', "/p/2"],
    [
      '<https://api.test/x>; rel="self", <https://api.test/y>; rel="next", </z>; rel="last"',
      "https://api.test/y",
    ],
    ['</p/2>; rel="next", </p/9>; rel="next"', "/p/2"],
    ["", undefined],
    ["<unclosed; rel=next", undefined],
  ];
  for (const [header, want] of cases) assert.equal(linkWithRel(header, "next"), want, header);
});

Deno.test("parseLinkHeader() undoes escapes in quoted values and keeps parameters without a value", () => {
  assert.deepEqual(parseLinkHeader('</a>; title="say \\"hi\\""; crossorigin; rel=next'), [
    { target: "/a", params: { title: 'say "hi"', crossorigin: "", rel: "next" } },
  ]);
});
