import assert from "node:assert/strict";
import { sqlText } from "../../lib/process/sql_text.ts";

Deno.test("sqlText() reads @file.sql saved as UTF-8 with a BOM, or as UTF-16 (Windows' 'Unicode'), and refuses other bytes by their offset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sql = "INSERT INTO hits VALUES (:key, 'café')";
    const utf8 = new TextEncoder().encode(sql);
    const utf16le = new Uint8Array(
      [...sql].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]),
    );
    const utf16be = new Uint8Array(
      [...sql].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]),
    );
    const files: Record<string, Uint8Array> = {
      "bom.sql": new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]),
      "le.sql": new Uint8Array([0xff, 0xfe, ...utf16le]),
      "be.sql": new Uint8Array([0xfe, 0xff, ...utf16be]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
      assert.equal(sqlText(`@${dir}/${name}`, "--into"), sql, name);
    }
    // Latin-1: é is 0xE9, at offset 35.
    await Deno.writeFile(`${dir}/latin1.sql`, new Uint8Array([...sql].map((c) => c.charCodeAt(0))));
    assert.throws(() => sqlText(`@${dir}/latin1.sql`, "--into"), {
      name: "InputError",
      message: `Cannot read --into from ${dir}/latin1.sql as UTF-8: byte 0xE9 at offset 35 is ` +
        "not UTF-8; save it as UTF-8",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
