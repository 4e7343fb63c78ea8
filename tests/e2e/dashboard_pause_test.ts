/**
 * A pause pressed on the dashboard before the first request (while the
 * queries are still being read) holds the run once it starts; resume lets it
 * finish. The queries come on standard input, so the import cannot end before
 * the test has paused.
 */
import assert from "node:assert/strict";
import { SluiceProcess } from "../_sluice_process.ts";

const ITEMS = 200;
const TOKEN = "t0ken-for-the-pause-test";

async function control(origin: string, action: string, body: object = {}): Promise<void> {
  const response = await fetch(`${origin}/api/${action}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

async function jobState(origin: string): Promise<{ state: string; total: number }> {
  const response = await fetch(`${origin}/api/jobs`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const [job] = (await response.json()).jobs;
  return { state: job?.state ?? "none", total: job?.counts.total ?? 0 };
}

Deno.test("a pause asked for during the import holds the run; resume finishes it", async () => {
  const dir = await Deno.makeTempDir();
  let requests = 0;
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    requests++;
    return Response.json({ ok: true });
  });
  const sluice = new SluiceProcess([
    "run",
    "-",
    "--format",
    "jsonl",
    "--url",
    `http://127.0.0.1:${api.addr.port}/q`,
    "--rate",
    "none",
    "--db",
    `file:${dir}/jobs.db`,
    "--dashboard",
    "0",
    "--token",
    TOKEN,
  ], { stdin: true });
  try {
    const origin = /dashboard on (http:\/\/[\d.:]+)/.exec(
      await sluice.waitFor(/dashboard on/),
    )![1]!;
    await control(origin, "pause");
    const writer = sluice.child.stdin.getWriter();
    const lines = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ q: `q${i}` }));
    await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
    await writer.close();
    // The run is under way (every item imported) and shown paused...
    await sluice.waitFor(/items imported/);
    assert.deepEqual(await jobState(origin), { state: "paused", total: ITEMS });
    // ...and stays silent while paused (the observation window of issue 13's pause check).
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      assert.equal(requests, 0, "a request was sent while paused");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await control(origin, "resume");
    const exit = await sluice.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stderr, new RegExp(`${ITEMS}/${ITEMS} done, 0 failed`));
    assert.equal(requests, ITEMS);
  } finally {
    try {
      sluice.child.kill();
    } catch { /* it has exited */ }
    await sluice.exited;
    await api.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
