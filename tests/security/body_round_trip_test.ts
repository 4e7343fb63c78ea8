/**
 * Issue 19 item 7: an answer's body is read back as it was received, byte
 * for byte, by every reader (`export` in each format, `sql`, `sluice process`,
 * the dashboard's item page), and live processing sees what re-processing
 * sees. Against a local server answering bytes that are not text: a NUL, and
 * bytes that are not UTF-8.
 */
import assert from "node:assert/strict";
import { inTempDir, parseJsonl, sluice, writeJsonl } from "./_cli.ts";
import { createDashboard } from "../../lib/dashboard/create_dashboard.ts";
import { run } from "../../lib/run/run.ts";
import { openStore } from "../../lib/store/store.ts";
import { testDb } from "../_db.ts";

const encode = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

/** What the server answers, by query. */
const BODIES: Record<string, Uint8Array<ArrayBuffer>> = {
  // 22 bytes, 7 before the NUL: a reader that stops at the NUL sees 7.
  nul: encode("abcdefg\u0000hijklmnopqrstu"),
  // Latin-1 bytes without a charset: not UTF-8.
  latin: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe]),
  // A NUL inside JSON text: still not text SQLite can hold whole.
  json_nul: encode('{"a":"x\u0000y","n":1}'),
  json: encode('{"q":"json","n":1}'),
  bom: encode('\uFEFF{"q":"bom"}'),
};

/** Serves BODIES by `?q=` on 127.0.0.1, as application/octet-stream without a charset. */
function serveBodies(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const q = new URL(request.url).searchParams.get("q") ?? "";
    return new Response(BODIES[q] ?? null, { status: BODIES[q] ? 200 : 404 });
  });
}

/** A processor that keeps what it was given for each answer: the body's kind and bytes in hex. */
const PROCESSOR = `export default {
  tables: { seen: { columns: { key: "TEXT", kind: "TEXT", hex: "TEXT", text: "TEXT" }, key: ["key"] } },
  process(answer) {
    const body = answer.body;
    const bytes = body instanceof Uint8Array ? body : new TextEncoder().encode(answer.text ?? "");
    return { seen: [{
      key: answer.key,
      kind: body instanceof Uint8Array ? "bytes" : typeof body,
      hex: bytes.toHex(),
      text: answer.text,
    }] };
  },
};
`;

const hex = (bytes: Uint8Array) => bytes.toHex();
/** The bodies that are not text: a NUL, or bytes that are not UTF-8. */
const BINARY = ["json_nul", "latin", "nul"];

/** Each body's key, the kind a reader calls it (`binary` or `text`), and its bytes in hex. */
function expected(binary: string, text: string): [string, string, string][] {
  return Object.keys(BODIES).sort().map((key) => [
    key,
    BINARY.includes(key) ? binary : text,
    hex(BODIES[key]!),
  ]);
}

/** The rows `sluice sql --format jsonl` prints for `sql` over the database `db`. */
async function sqlRows(dir: string, db: string, sql: string): Promise<Record<string, unknown>[]> {
  const out = await sluice(dir, ["sql", "--db", db, "--format", "jsonl", sql]);
  assert.equal(out.code, 0, out.stderr);
  return parseJsonl(out.stdout);
}

Deno.test("bodies with a NUL or bytes that are not UTF-8 read back byte for byte: sql, export jsonl and csv, process, the item page", async () => {
  await inTempDir(async (dir) => {
    const server = serveBodies();
    try {
      await writeJsonl(`${dir}/q.jsonl`, Object.keys(BODIES).map((q) => ({ id: q, q })));
      await Deno.writeTextFile(`${dir}/seen.ts`, PROCESSOR);
      const db = `file:${dir}/b.db`;
      const url = `http://127.0.0.1:${server.addr.port}/?q={{q}}`;
      const run = await sluice(dir, [
        "run",
        "q.jsonl",
        "--url",
        url,
        "--rate",
        "none",
        "--db",
        db,
        "--processor",
        "seen.ts",
        "--quiet",
      ]);
      assert.equal(run.code, 0, run.stderr);

      // sql: the stored value, its type and its length are the bytes received.
      const stored: Record<string, Record<string, unknown>> = Object.fromEntries(
        (await sqlRows(
          dir,
          db,
          `SELECT i.key, typeof(r.body) AS type, length(CAST(r.body AS BLOB)) AS n,
                  hex(r.body) AS hex FROM items i JOIN responses r ON r.item = i.id ORDER BY i.key`,
        )).map((r) => [r.key, r]),
      );
      for (const [key, bytes] of Object.entries(BODIES)) {
        assert.equal(stored[key]!.n, bytes.length, key);
        assert.equal(String(stored[key]!.hex).toLowerCase(), hex(bytes), key);
      }
      assert.equal(stored.nul!.n, 22);
      assert.deepEqual(
        Object.fromEntries(Object.entries(stored).map(([k, r]) => [k, r.type])),
        { bom: "text", json: "text", json_nul: "blob", latin: "blob", nul: "blob" },
      );
      // The usual body is TEXT: SQLite's JSON functions read it.
      const extract = await sluice(dir, [
        "sql",
        "--db",
        db,
        "--format",
        "csv",
        `SELECT json_extract(body, '$.q') AS q FROM responses WHERE typeof(body) = 'text' ORDER BY 1`,
      ]);
      assert.equal(extract.stdout, "q\nbom\njson\n");
      // sql prints a BLOB column as hex.
      const blob = await sluice(dir, [
        "sql",
        "--db",
        db,
        "--format",
        "csv",
        `SELECT r.body FROM items i JOIN responses r ON r.item = i.id WHERE i.key = 'nul'`,
      ]);
      assert.equal(blob.stdout, `body\n${hex(BODIES.nul!)}\n`);

      // export jsonl: bytes in base64, marked; text as it was (JSON parsed).
      const jsonl = await sluice(dir, ["export", "--db", db, "--format", "jsonl"]);
      assert.equal(jsonl.code, 0, jsonl.stderr);
      const exported = Object.fromEntries(parseJsonl(jsonl.stdout).map((r) => [r.key, r]));
      for (const key of BINARY) {
        assert.equal(exported[key]!.body_encoding, "base64", key);
        assert.deepEqual(Uint8Array.fromBase64(String(exported[key]!.body)), BODIES[key], key);
      }
      assert.deepEqual(exported.json!.body, { q: "json", n: 1 });
      assert.deepEqual(exported.bom!.body, { q: "bom" });
      assert.equal("body_encoding" in exported.json!, false);

      // export csv: the same, in the body and body_encoding columns.
      const csv = await sluice(dir, ["export", "--db", db, "--format", "csv"]);
      assert.equal(csv.code, 0, csv.stderr);
      const [header, ...lines] = csv.stdout.trim().split("\n");
      assert.match(header!, /^key,page,seq,state,status,attempts,error,url,body,body_encoding,/);
      const nulLine = lines.find((line) => line.startsWith("nul,"))!;
      assert.ok(nulLine.includes(`,${BODIES.nul!.toBase64()},base64,`), nulLine);

      // Live processing saw the bytes received; `sluice process` sees the same.
      const seen = "SELECT key, kind, hex, text FROM seen ORDER BY key";
      const live = await sqlRows(dir, db, seen);
      assert.deepEqual(live.map((r) => [r.key, r.kind, r.hex]), expected("bytes", "object"));
      const emptied = await sluice(dir, ["sql", "--db", db, "--write", "DELETE FROM seen"]);
      assert.equal(emptied.code, 0, emptied.stderr);
      const again = await sluice(dir, ["process", "--db", db, "--processor", "seen.ts"]);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await sqlRows(dir, db, seen), live);

      // --into (here through `sluice process`) binds a body that is not text as a BLOB.
      const into = await sluice(dir, [
        "process",
        "--db",
        db,
        "--schema",
        "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, type TEXT, hex TEXT)",
        "--into",
        "INSERT OR REPLACE INTO bodies VALUES (:key, typeof(:body), hex(:body))",
      ]);
      assert.equal(into.code, 0, into.stderr);
      const bodies = await sqlRows(
        dir,
        db,
        "SELECT key, type, lower(hex) AS hex FROM bodies ORDER BY key",
      );
      assert.deepEqual(bodies.map((r) => [r.key, r.type, r.hex]), expected("blob", "text"));

      // The dashboard's item page shows every byte (in hex), not the text up to the NUL.
      const store = await openStore(db);
      try {
        const app = createDashboard({ store });
        const page = await (await app.request("/jobs/q/items/nul")).text();
        assert.match(page, /22 bytes, not text/);
        assert.ok(page.includes("00000000  61 62 63 64 65 66 67 00 68 69 6a 6b 6c 6d 6e 6f"), page);
        assert.ok(page.includes("00000010  70 71 72 73 74 75 "), page);
      } finally {
        store.close();
      }
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("run()'s onResult, live --into and the library's readers get a body that is not text as its bytes", async () => {
  const server = serveBodies();
  using db = await testDb();
  const store = db.store;
  try {
    const bodies = new Map<string, unknown>();
    await run({
      queries: Object.keys(BODIES).map((q) => ({ id: q, q })),
      request: { url: `http://127.0.0.1:${server.addr.port}/?q={{q}}` },
      db: store,
      rate: "none",
      schema: "CREATE TABLE bodies (key TEXT PRIMARY KEY, type TEXT, hex TEXT)",
      into: "INSERT INTO bodies VALUES (:key, typeof(:body), lower(hex(:body)))",
      onResult: (result) => void bodies.set(result.key, result.body),
    });
    const live = await db.rows("SELECT key, type, hex FROM bodies ORDER BY key");
    assert.deepEqual(live.map((r) => [r.key, r.type, r.hex]), expected("blob", "text"));
    const [job] = await store.jobs.list();
    const exported = new Map<string, unknown>();
    for await (const row of store.reports.exportRows(job!.id)) exported.set(row.key, row.body);
    const detail = await store.reports.itemWithResponses(job!.id, "nul");
    for (const [key, bytes] of Object.entries(BODIES)) {
      const body = BINARY.includes(key)
        ? bytes
        : new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      assert.deepEqual(bodies.get(key), body, key);
      assert.deepEqual(exported.get(key), body, key);
    }
    assert.deepEqual(detail?.responses[0]?.body, BODIES.nul);
  } finally {
    await server.shutdown();
  }
});
