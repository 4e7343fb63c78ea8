import assert from "node:assert/strict";
import { deadline } from "../../lib/http/deadline.ts";

Deno.test("deadline() aborts with a TimeoutError after the timeout", async () => {
  const d = deadline(20);
  const reason = await new Promise((resolve) =>
    d.signal.addEventListener("abort", () => resolve(d.signal.reason))
  );
  assert.equal(d.timedOut, true);
  assert.equal((reason as DOMException).name, "TimeoutError");
  d.release();
});

Deno.test("deadline() follows the caller's signal, and is not a timeout then", () => {
  const stop = new AbortController();
  const a = deadline(60_000, stop.signal);
  const b = deadline(60_000, stop.signal);
  stop.abort(new Error("stop"));
  assert.equal(a.signal.aborted, true);
  assert.equal(b.signal.aborted, true);
  assert.equal(a.timedOut, false);
  assert.equal((a.signal.reason as Error).message, "stop");
  a.release();
  b.release();
});

Deno.test("deadline() with an aborted caller signal is aborted at once", () => {
  const d = deadline(60_000, AbortSignal.abort(new Error("already")));
  assert.equal(d.signal.aborted, true);
  d.release();
});

Deno.test("deadline() released in time never aborts, and leaves no timer behind", async () => {
  const stop = new AbortController();
  const d = deadline(30, stop.signal);
  d.release();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(d.signal.aborted, false);
  stop.abort();
  assert.equal(d.signal.aborted, false, "a released deadline ignores the caller's signal");
});

Deno.test("deadline() fires each timeout on its own schedule", async () => {
  const long = deadline(10_000);
  const short = deadline(15);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(short.timedOut, true);
  assert.equal(long.signal.aborted, false);
  long.release();
  short.release();
});
