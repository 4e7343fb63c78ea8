import assert from "node:assert/strict";
import { sluice as sluiceIn } from "../security/_cli.ts";
import { serveMockApi } from "../../lib/mock/mock_server.ts";

const BODY = '{"prompt":"{{prompt}}","max_tokens":{{max_tokens}}}';

/** A temporary directory and the mock's token-metered routes; both cleaned up after `fn`. */
async function withTokenMock(
  fn: (dir: string, url: string, requests: () => number, tokens: () => number) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "sluice_cost_" });
  const mock = serveMockApi({
    port: 0,
    tokens: { limits: { tokens: { limit: 100_000, periodMs: 60_000 } } },
  });
  try {
    await fn(
      dir,
      `http://127.0.0.1:${mock.port}/v1/chat/completions`,
      () => mock.api.stats.requests,
      () => mock.api.stats.tokens ?? 0,
    );
  } finally {
    await mock.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** `sluice <args>` in `dir`, to its end. */
const sluice = (dir: string, ...args: string[]) => sluiceIn(dir, args);

/** `sluice run <input>` of the LLM body to `url` into c.db, with `flags`. */
const runLlm = (dir: string, input: string, url: string, flags: string[]) =>
  sluice(dir, "run", input, "--url", url, "--body", BODY, "--db", "c.db", ...flags);

Deno.test("sluice run refuses bad --cost and --usage with exit 2, a located message, nothing sent, no database", async () => {
  await withTokenMock(async (dir, url, requests) => {
    await Deno.writeTextFile(
      `${dir}/q.jsonl`,
      '{"prompt":"a","max_tokens":10,"n":5}\n{"prompt":"b","max_tokens":10,"n":"many"}\n',
    );
    await Deno.writeTextFile(
      `${dir}/big.jsonl`,
      '{"prompt":"a","max_tokens":10,"n":5}\n{"prompt":"b","max_tokens":10,"n":5000}\n',
    );
    const cases: [string, string[], RegExp][] = [
      // A cost that renders no number fails its query's import, with its line.
      [
        "q.jsonl",
        ["--cost", "tokens={{n}}"],
        /^sluice: error: q\.jsonl:2 \(field "n"\): Cannot use --cost tokens as a number: it rendered 'many'\n$/,
      ],
      // One larger than a window's whole budget could never be sent.
      [
        "big.jsonl",
        ["--rate", "10/s,tokens=1000/min", "--cost", "tokens={{n}}"],
        /^sluice: error: big\.jsonl:2: --cost tokens is 5000, more than the whole window tokens=1000\/min in --rate/,
      ],
      // A unit nothing paces: no window in --rate, and not one servers advertise.
      [
        "q.jsonl",
        ["--rate", "10/s,tokens=1000/min", "--cost", "token={{n}}"],
        /^sluice: error: --cost names unit "token", which has no window in --rate \(it has tokens\)/,
      ],
      [
        "q.jsonl",
        ["--usage", "points=$.usage.points"],
        /^sluice: error: --usage names unit "points", which has no window in --rate/,
      ],
      [
        "q.jsonl",
        ["--usage", "tokens=usage.total_tokens"],
        /^sluice: error: Cannot parse --usage as a JSON path of the answer/,
      ],
      ["q.jsonl", ["--cost", "{{n}}"], /^sluice: error: Cannot parse --cost as unit=value parts/],
      [
        "q.jsonl",
        ["--burst", "tokens=0"],
        /^sluice: error: Cannot parse --burst as an integer of at least 1 \(or per unit/,
      ],
    ];
    for (const [input, flags, message] of cases) {
      const out = await runLlm(dir, input, url, flags);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, message);
      assert.equal(await exists(`${dir}/c.db`), false, flags.join(" "));
    }
    assert.equal(requests(), 0);
  });
});

Deno.test("sluice run --cost --usage: reserves, settles, says so, and a resume keeps both", async () => {
  await withTokenMock(async (dir, url, _requests, tokens) => {
    const rows = Array.from(
      { length: 12 },
      (_, i) => JSON.stringify({ prompt: `p${i}`, max_tokens: 20 }),
    );
    await Deno.writeTextFile(`${dir}/q.jsonl`, rows.slice(0, 6).join("\n") + "\n");
    const flags = [
      "--rate",
      "50/s,tokens=6000/min",
      "--cost",
      "tokens={{max_tokens}}+10",
      "--usage",
      "tokens=$.usage.total_tokens",
    ];
    const first = await runLlm(dir, "q.jsonl", url, flags);
    assert.equal(first.code, 0, first.stderr);
    // The summary says what the tokens spent (as the server counted them), and what is left.
    const spent = tokens();
    assert.ok(spent > 0);
    const used = new Intl.NumberFormat("en-US").format(spent);
    assert.match(
      first.stderr,
      new RegExp(
        `\n  tokens: ${used} spent, [\\d.,]+ a request; 6 answers reported their usage; ` +
          `[\\d,]+ left of 6,000/min\n`,
      ),
    );
    // status says it too, in what the last run kept, after what set its pace.
    const text = await sluice(dir, "status", "--db", "c.db");
    assert.match(
      text.stdout,
      new RegExp(
        `\n    pace set by [^\n]+\n(    [^\n]+\n)*    cost units: tokens ${used} spent, [\\d,]+ left of 6,000/min\n`,
      ),
    );
    const status = await sluice(dir, "status", "--db", "c.db", "--json");
    const [job] = JSON.parse(status.stdout).jobs;
    assert.deepEqual(
      job.lastRun.units.map((u: { unit: string; spent: number }) => [u.unit, u.spent]),
      [["tokens", spent]],
    );
    assert.equal(job.options.cost, "tokens={{max_tokens}}+10");
    assert.equal(job.options.usage, "tokens=$.usage.total_tokens");
    assert.equal(job.options.rate, "50/s,tokens=6000/min");
    // More queries appended without the flags: the saved cost and usage apply (and check).
    await Deno.writeTextFile(`${dir}/more.jsonl`, rows.slice(6).join("\n") + "\n");
    const more = await sluice(dir, "run", "more.jsonl", "--db", "c.db", "--job", "q", "--append");
    assert.equal(more.code, 0, more.stderr);
    await Deno.writeTextFile(`${dir}/last.jsonl`, '{"prompt":"z","max_tokens":5}\n');
    const bad = await sluice(
      dir,
      "run",
      "last.jsonl",
      "--db",
      "c.db",
      "--job",
      "q",
      "--append",
      "--cost",
      "tokens={{nope}}",
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /last\.jsonl:1 \(field "nope"\): query has no field "nope" used by --cost/,
    );
    const after =
      JSON.parse((await sluice(dir, "status", "--db", "c.db", "--json")).stdout).jobs[0];
    assert.equal(after.options.cost, "tokens={{max_tokens}}+10");
  });
});

Deno.test("sluice demo --llm: prompts to the mock's token-metered route, paced by its tokens, no 429", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice_cost_demo_" });
  try {
    const out = await sluice(dir, "demo", "--llm");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /The mock counted 300 requests \(0 answered 429\), \d+ tokens\./);
    assert.match(out.stderr, /\n {2}tokens: [\d,]+ spent, [\d.]+ a request; 300 answers reported/);
    assert.match(out.stderr, /pace set by server quota "tokens"/);
    assert.match(out.stdout, /→ {2}Answer of \d+ tokens to "Question 1:"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
