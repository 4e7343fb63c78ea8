/**
 * The acceptance test for secrets: a unique `{{env.TOKEN}}` in the URL and
 * headers of a run whose items fail in every way that quotes a URL (404,
 * 500, redirects echoing the token into Location, a redirect to file:, a
 * network error, a cross-origin redirect). Afterwards the token's value is in
 * no file under the database's folder, in no output of run, plan, status
 * or export, and in no dashboard route.
 */
import assert from "node:assert/strict";
import { MAIN, PERMISSIONS } from "../_sluice_process.ts";
import { inTempDir, parseJsonl, sluice, writeJsonl } from "./_cli.ts";

const HEX = crypto.randomUUID().replaceAll("-", "");
/** Characters URLs encode, around a part found in every spelling of it. */
const TOKEN = `s3cr3t+${HEX}/Z=`;
const ENV = { TOKEN };

/** Says where the token shows, in any spelling (its hex part is in all of them). */
function assertNoToken(text: string, where: string): void {
  assert.ok(!text.includes(HEX), `the token is in ${where}:\n${text.slice(0, 2000)}`);
}

/** Every file under `folder`, as text (bytes as Latin-1: the token is ASCII). */
async function filesUnder(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) {
      for (const [p, text] of await filesUnder(path)) files.set(p, text);
    } else if (entry.isFile) {
      files.set(path, new TextDecoder("latin1").decode(await Deno.readFile(path)));
    }
  }
  return files;
}

/** The API: answers by `q`, every way of failing that quotes a URL. */
function serveApi(other: string, closedPort: number) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const key = url.searchParams.get("api_key") ?? url.searchParams.get("k") ?? "";
    const to = (location: string) => new Response(null, { status: 302, headers: { location } });
    if (url.pathname === "/landing") return new Response("gone", { status: 404 });
    switch (url.searchParams.get("q")) {
      case "ok":
        // A server that echoes the token in a header sluice keeps (ETag).
        return Response.json({ ok: true }, { headers: { etag: `"${key}"` } });
      case "nf":
        return Response.json({ error: "not found" }, { status: 404 });
      case "err":
        return new Response("busy", { status: 500 });
      case "redir":
        return to(`/landing?k=${encodeURIComponent(key)}`);
      case "cross":
        return to(`${other}/names?k=${encodeURIComponent(key)}`);
      case "file":
        return to(`file:///etc/passwd?k=${key}`);
      case "down":
        return to(`http://127.0.0.1:${closedPort}/x?k=${encodeURIComponent(key)}`);
    }
    return new Response("?", { status: 400 });
  });
}

/** Another origin: records the header values it received, answers their names only. */
function serveOther(received: string[]) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    request.headers.forEach((value) => received.push(value));
    return Response.json([...request.headers.keys()]);
  });
}

/** `sluice dashboard` as a process, with the token in its environment too. */
async function startDashboard(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, "dashboard", "--db", "db/jobs.db", "--port", "0"],
    cwd: dir,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...ENV },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  let stderr = "";
  const { promise: url, resolve: found } = Promise.withResolvers<string>();
  const reading = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += text;
      const address = /dashboard on (http:\S+)/.exec(stderr)?.[1];
      if (address) found(address);
    }
    found(""); // ended without an address: the assertion below says so
  })();
  const address = await url;
  assert.ok(address, `the dashboard printed no address:\n${stderr}`);
  return {
    url: new URL(address),
    async stop(): Promise<string> {
      child.kill("SIGTERM");
      await child.status;
      await reading;
      return stderr + (await stdout);
    },
  };
}

/** The first `bytes` of a response (an event stream never ends), then stop reading. */
async function firstText(response: Response, bytes = 64_000): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.length < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) break;
  }
  await reader.cancel();
  return text;
}

Deno.test("a secret in the URL and headers appears in no file, output or dashboard route", async () => {
  const received: string[] = [];
  const other = serveOther(received);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const api = serveApi(`http://127.0.0.1:${other.addr.port}`, closedPort);
  try {
    await inTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/db`);
      const qs = ["ok", "nf", "err", "redir", "cross", "file", "down"];
      await writeJsonl(`${dir}/q.jsonl`, qs.map((q) => ({ q })));
      const request = [
        "--url",
        `http://127.0.0.1:${api.addr.port}/api?q={{q}}&api_key={{env.TOKEN}}`,
        "--header",
        "X-Api-Key: {{env.TOKEN}}",
        "--header",
        "Authorization: Bearer {{env.TOKEN}}",
      ];
      const outputs: [string, string][] = [];
      const plan = await sluice(dir, ["plan", "q.jsonl", ...request], ENV);
      outputs.push(["plan", plan.stdout + plan.stderr]);
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        ...request,
        "--db",
        "db/jobs.db",
        "--rate",
        "none",
        "--max-attempts",
        "2",
        "--retry-base",
        "100ms",
        "--keep-attempts",
      ], ENV);
      assert.equal(run.code, 1, run.stderr);
      outputs.push(["run", run.stdout + run.stderr]);
      for (
        const args of [["status"], ["status", "--json"], ["export"], ["export", "--format", "csv"]]
      ) {
        const out = await sluice(dir, [...args, "--db", "db/jobs.db"], ENV);
        assert.equal(out.code, 0, out.stderr);
        outputs.push([args.join(" "), out.stdout + out.stderr]);
      }
      const toFile = await sluice(dir, ["export", "--db", "db/jobs.db", "--out", "db/out.jsonl"]);
      assert.equal(toFile.code, 0, toFile.stderr);

      // The run failed in each way, and the stored answers and errors say so, redacted.
      const rows = parseJsonl(outputs.find(([name]) => name === "export")![1]);
      const byQ = new Map(rows.map((row) => [(row.vars as { q: string }).q, row]));
      assert.equal(byQ.get("ok")!.state, "done");
      for (const q of ["nf", "err", "redir", "file", "down"]) {
        assert.equal(byQ.get(q)!.state, "failed", q);
      }
      assert.match(String(byQ.get("redir")!.url), /\/landing\?k=\*\*\*$/);
      assert.match(String(byQ.get("file")!.error), /^redirect to a file: URL refused.*k=\*\*\*$/);
      assert.match(String(byQ.get("down")!.error), /^network: /);
      // Across origins, neither the key header nor Authorization went along.
      assert.ok(received.length > 0, "the cross-origin redirect was followed");
      assert.ok(!received.some((value) => value.includes(HEX)), received.join("\n"));

      for (const [name, text] of outputs) assertNoToken(text, `the output of ${name}`);

      const dashboard = await startDashboard(dir);
      try {
        const routes = [
          "/",
          "/jobs/q",
          "/jobs/q/failed",
          ...["render", "http_4xx", "http_5xx", "network", "redirect_refused"].map((c) =>
            `/jobs/q/failed?class=${c}`
          ),
          "/jobs/q/failed?status=404",
          "/jobs/q/failed?reason=network",
          ...rows.map((row) => `/jobs/q/items/${encodeURIComponent(String(row.key))}`),
          "/api/jobs",
          "/api/jobs/q/history?since=0",
          "/metrics",
          "/events",
        ];
        for (const route of routes) {
          const response = await fetch(new URL(route, dashboard.url));
          const text = await firstText(response);
          assert.equal(response.status, 200, `${route}: ${text.slice(0, 500)}`);
          assertNoToken(text, `the dashboard's ${route}`);
        }
        // The item pages show what was stored, redacted: the point is that they show it.
        const item = await fetch(
          new URL(
            `/jobs/q/items/${encodeURIComponent(String(byQ.get("redir")!.key))}`,
            dashboard.url,
          ),
        );
        assert.match(await item.text(), /landing\?k=\*\*\*/);
      } finally {
        assertNoToken(await dashboard.stop(), "the output of dashboard");
      }

      const files = await filesUnder(`${dir}/db`);
      assert.ok(files.has(`${dir}/db/jobs.db`) && files.has(`${dir}/db/out.jsonl`));
      for (const [path, text] of files) assertNoToken(text, path);
    });
  } finally {
    await api.shutdown();
    await other.shutdown();
  }
});
