import assert from "node:assert/strict";
import { planCommand } from "../../cli/plan.ts";
import { withFile } from "../job/_with_file.ts";

async function plan(text: string, url: string): Promise<string[]> {
  return await withFile("q.jsonl", text, async (path) => {
    const lines: string[] = [];
    const io = { log: (line: string) => lines.push(line), error: () => {} };
    assert.equal(await planCommand(path, { url, show: "0", rate: "none" }, io), 0);
    return lines.map((line) => line.replace(path, "q.jsonl"));
  });
}

Deno.test("planCommand() lists the hosts a query field sends requests to", async () => {
  const rows = [
    '{"id":1,"base":"http://a.test"}',
    '{"id":2,"base":"http://b.test:8080"}',
    '{"id":3,"base":"http://a.test"}',
  ];
  const lines = await plan(rows.join("\n"), "{{base}}/search");
  assert.deepEqual(lines, [
    "3 queries in q.jsonl (jsonl), 3 distinct keys",
    "  2 hosts: a.test, b.test:8080",
    "  rate none, concurrency 16",
  ]);
});

Deno.test("planCommand() names one host when the template sets it, even from the environment", async () => {
  assert.equal((await plan('{"q":1}', "https://api.test/x?q={{q}}"))[1], "  host: api.test");
  assert.equal((await plan('{"q":1}', "https://{{env.API_HOST}}/x"))[1], "  host: <env.API_HOST>");
});

Deno.test("planCommand() shows a query the URL cannot hold (a lone surrogate) as not sent, naming its line, instead of failing", async () => {
  const rows = ['{"id":1,"q":"a\\ud800b"}', '{"id":2,"q":"ok"}', '{"id":3,"q":"v\\r\\nX-Evil: 1"}'];
  await withFile("q.jsonl", rows.join("\n"), async (path) => {
    const lines: string[] = [];
    const io = { log: (line: string) => lines.push(line), error: () => {} };
    const flags = {
      url: "http://127.0.0.1/s?q={{q}}",
      header: ["X-Q: {{q}}"],
      show: "3",
      rate: "none",
    };
    assert.equal(await planCommand(path, flags, io), 0);
    assert.deepEqual(lines.slice(0, 7).map((line) => line.replace(path, "q.jsonl")), [
      '# q.jsonl:1: not sent (render): Cannot percent-encode "a\\ud800b": it holds a lone ' +
      "surrogate (half of a UTF-16 pair), which is not text",
      "",
      "GET http://127.0.0.1/s?q=ok",
      "X-Q: ok",
      "",
      '# q.jsonl:3: not sent (render): Cannot send header "X-Q": its value holds a carriage return (CR)',
      "",
    ]);
  });
});

Deno.test("planCommand() estimates the least duration from every window of the rate, and from the tokens --cost adds up", async () => {
  const rows = Array.from({ length: 100 }, (_, i) => `{"id":${i},"t":50}`).join("\n");
  const last = async (flags: Record<string, string>) =>
    await withFile("q.jsonl", rows, async (path) => {
      const lines: string[] = [];
      const io = { log: (line: string) => lines.push(line), error: () => {} };
      assert.equal(
        await planCommand(path, { url: "http://127.0.0.1/x", show: "0", ...flags }, io),
        0,
      );
      return lines.at(-1);
    });
  // 100 queries fit in a day's 100: the minute's 5 set the pace (99 intervals of 12 s).
  assert.equal(
    await last({ rate: "5/min,100/day" }),
    "  rate 5/min,100/day, concurrency 16; at least 19m48s at full rate",
  );
  assert.equal(
    await last({ rate: "5/s,50/h" }),
    "  rate 5/s,50/h, concurrency 16; at least 1h00m at full rate",
  );
  // 100 × 50 tokens at 1,000 a minute: five minutes, however fast requests may go.
  assert.equal(
    await last({ rate: "10/s,tokens=1000/min", cost: "tokens={{t}}" }),
    "  rate 10/s,tokens=1000/min, concurrency 16; at least 5m00s at full rate",
  );
});
