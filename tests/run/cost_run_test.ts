import assert from "node:assert/strict";
import { run } from "../../lib/run/run.ts";
import { InputError } from "../../lib/errors.ts";

/** A fetch that answers like an LLM API: usage is 10 tokens per character of the prompt. */
function llm(status: (n: number) => number = () => 200) {
  const seen: string[] = [];
  const fetch = (_url: string | URL | Request, init?: RequestInit) => {
    const { prompt } = JSON.parse(String(init?.body));
    seen.push(prompt);
    const code = status(seen.length);
    const body = code === 200
      ? { usage: { total_tokens: 10 * prompt.length }, text: "ok" }
      : { error: "busy" };
    return Promise.resolve(new Response(JSON.stringify(body), { status: code }));
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const request = { url: "http://api.test/v1", body: { prompt: "{{prompt}}" } };
const queries = [{ prompt: "a" }, { prompt: "bb" }, { prompt: "ccc" }];

Deno.test("run() takes cost and usage as functions: each query reserves, each answer settles", async () => {
  const { fetch, seen } = llm();
  const costs: string[] = [];
  const summary = await run({
    queries,
    request,
    db: ":memory:",
    rate: "100/s,tokens=1000/s",
    concurrency: 1,
    fetch,
    cost: (query) => {
      costs.push(String(query.prompt));
      return { tokens: 50 };
    },
    usage: (answer) => ({ tokens: JSON.parse(answer.body!).usage.total_tokens }),
  });
  assert.equal(summary.counts.done, 3);
  assert.deepEqual(seen, ["a", "bb", "ccc"]);
  // Each query's cost is asked at import (checked) and again before it is sent.
  assert.deepEqual(costs, ["a", "bb", "ccc", "a", "bb", "ccc"]);
  const [tokens] = summary.limiter.units!;
  assert.deepEqual([tokens!.unit, tokens!.spent, tokens!.settled], ["tokens", 60, 3]);
});

Deno.test("run() with --usage as a JSON path: a failed attempt's estimate stays spent", async () => {
  // The first answer is a 500 (retried, no usage in it), the others report theirs.
  const { fetch } = llm((n) => n === 1 ? 500 : 200);
  const summary = await run({
    queries,
    request,
    db: ":memory:",
    rate: "none",
    concurrency: 1,
    fetch,
    retryBaseMs: 1,
    cost: "tokens=7",
    usage: "tokens=$.usage.total_tokens",
  });
  assert.equal(summary.counts.done, 3);
  const [tokens] = summary.limiter.units!;
  // 7 reserved by the 500, then 10 + 20 + 30 settled.
  assert.deepEqual([tokens!.spent, tokens!.settled], [67, 3]);
});

Deno.test("run() refuses a cost unit nothing paces, and a cost that is no number, before sending", async () => {
  const { fetch, seen } = llm();
  await assert.rejects(
    run({ queries, request, db: ":memory:", fetch, cost: "credits=1" }),
    (error: unknown) => error instanceof InputError && /unit "credits"/.test(error.message),
  );
  await assert.rejects(
    run({ queries, request, db: ":memory:", fetch, cost: "tokens={{prompt}}" }),
    (error: unknown) =>
      error instanceof InputError && error.line === 1 && error.field === "prompt" &&
      /Cannot use --cost tokens as a number: it rendered 'a'/.test(error.message),
  );
  await assert.rejects(
    run({ queries, request, db: ":memory:", fetch, cost: () => ({ tokens: -1 }) }),
    (error: unknown) => error instanceof InputError && error.line === 1,
  );
  assert.deepEqual(seen, []);
});
