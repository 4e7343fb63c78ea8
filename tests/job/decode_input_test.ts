import assert from "node:assert/strict";
import { withFile } from "./_with_file.ts";
import { InputError } from "../../lib/errors.ts";
import { decodeInput, invalidUtf8At } from "../../lib/job/decode_input.ts";
import { openInput } from "../../lib/job/input.ts";
import { prepareJob } from "../../lib/job/prepare_job.ts";
import { compileTemplate } from "../../lib/job/template.ts";
import { testDb } from "../_db.ts";

const encoder = new TextEncoder();

/** `bytes` in chunks of `size`. */
function chunks(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const list = [];
  for (let i = 0; i < bytes.length; i += size) list.push(bytes.slice(i, i + size));
  return ReadableStream.from(list);
}

/** Latin-1 bytes of `text` (every character below U+0100). */
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

const collect = (stream: ReadableStream<Uint8Array>) => new Response(stream).bytes();

Deno.test("decodeInput() passes UTF-8 through unchanged, whatever the chunks cut", async () => {
  const text = "q,n\né,1\n中文,2\n😀 e\u0301,3\n";
  const bytes = encoder.encode(text);
  for (let size = 1; size <= 8; size++) {
    assert.deepEqual(await collect(decodeInput(chunks(bytes, size), "q.csv")), bytes);
  }
  // A byte order mark is dropped, even split over chunks.
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
  for (let size = 1; size <= 4; size++) {
    assert.deepEqual(await collect(decodeInput(chunks(bom, size), "q.csv")), bytes);
  }
});

Deno.test("decodeInput() names the line and offset of the first byte that is not UTF-8", async () => {
  const bytes = new Uint8Array([...encoder.encode("q\nok é\nbad "), 0xe9, ...encoder.encode("\n")]);
  for (let size = 1; size <= 5; size++) {
    await assert.rejects(collect(decodeInput(chunks(bytes, size), "q.csv")), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.file, "q.csv");
      assert.equal(err.line, 3);
      assert.match(err.message, /byte 0xE9 at offset 12 is not UTF-8; pass --encoding/);
      return true;
    });
  }
  // Cut short at the end, a lead byte alone, a UTF-16 file.
  const cases: [number[], RegExp][] = [
    [[0x61, 0xc3], /the input ends inside a character/],
    [[0xef, 0xbb], /the input ends inside a character/],
    [[0xff, 0xfe, 0x61, 0x00], /UTF-16LE byte order mark; pass --encoding utf-16le/],
    [[0x61, 0xc0, 0xaf], /byte 0xC0 at offset 1/], // an overlong '/'
    [[0x61, 0xed, 0xa0, 0x80], /byte 0xED at offset 1/], // a surrogate
  ];
  for (const [list, message] of cases) {
    await assert.rejects(collect(decodeInput(chunks(new Uint8Array(list), 1), "q")), message);
  }
  assert.equal(invalidUtf8At(new Uint8Array([0xf4, 0x90, 0x80, 0x80])), 0); // beyond U+10FFFF
});

Deno.test("decodeInput() reads another encoding as UTF-8", async () => {
  const text = "q\ncafé\ncafè\n";
  const decoded = await collect(decodeInput(chunks(latin1(text), 3), "q.csv", {
    encoding: "latin1",
  }));
  assert.equal(new TextDecoder().decode(decoded), text);
  const utf16 = new Uint8Array([0xff, 0xfe, ...[..."q\né\n"].flatMap((c) => [c.charCodeAt(0), 0])]);
  const fromUtf16 = decodeInput(chunks(utf16, 3), "q.csv", { encoding: "utf-16le" });
  assert.equal(new TextDecoder().decode(await collect(fromUtf16)), "q\né\n");
  // A lone surrogate is not UTF-16.
  const lone = decodeInput(chunks(new Uint8Array([0x61, 0, 0x0a, 0, 0x00, 0xd8]), 2), "q", {
    encoding: "utf-16le",
  });
  await assert.rejects(collect(lone), { name: "InputError", message: /^q:2: Cannot read input/ });
  assert.throws(() => decodeInput(chunks(new Uint8Array(), 1), "q", { encoding: "ebcdic-x" }), {
    name: "InputError",
    message: /^q: Cannot read input as 'ebcdic-x': not an encoding TextDecoder knows/,
  });
});

Deno.test("every input format refuses bytes that are not UTF-8, with file and line", async () => {
  const cases: [string, Uint8Array, number][] = [
    ["q.jsonl", latin1('{"q":"a"}\n{"q":"café"}\n'), 2],
    ["q.csv", latin1("q\na\ncafé\n"), 3],
    ["q.json", latin1('[\n{"q":"a"},\n{"q":"café"}\n]'), 3],
    ["job.json", latin1('{"rate": "1/s",\n "queries": [{"q":"café"}]}'), 2],
  ];
  for (const [name, bytes, line] of cases) {
    await withFile(name, bytes, async (path) => {
      await assert.rejects(
        openInput(path).then((source) => Array.fromAsync(source.queries)),
        (err: unknown) => {
          assert.ok(err instanceof InputError, `${name}: ${err}`);
          assert.equal(err.file, path);
          assert.equal(err.line, line, name);
          assert.match(err.message, /byte 0xE9 at offset \d+ is not UTF-8/);
          return true;
        },
      );
    });
  }
  const stdin = ReadableStream.from([latin1('{"q":"café"}\n')]);
  await assert.rejects(
    openInput("-", { stdin }).then((source) => Array.fromAsync(source.queries)),
    { name: "InputError", message: /^-:1: Cannot read input as UTF-8: byte 0xE9 at offset 9/ },
  );
});

Deno.test("a Latin-1 CSV read with encoding latin1 keeps distinct queries distinct", async () => {
  const request = { url: "http://api.test/search?q={{q}}" };
  await withFile("q.csv", latin1("q\ncafé\ncafè\nnaïve\n"), async (path) => {
    using db = await testDb();
    const input = await openInput(path, { encoding: "latin1" });
    const prepared = await prepareJob(db.store, compileTemplate(request), {
      name: "j",
      input,
      request,
    });
    assert.equal(prepared.imported, 3);
    const rows = await db.rows("SELECT vars FROM items ORDER BY seq");
    assert.deepEqual(rows.map((row) => JSON.parse(String(row.vars)).q), ["café", "cafè", "naïve"]);
  });
});
