import assert from "node:assert/strict";
import { openExisting } from "../../cli/open_existing.ts";
import { InputError } from "../../lib/errors.ts";
import { openStore } from "../../lib/store/store.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "sluice open existing " });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openExisting() opens file:///abs, file:/abs and file://localhost/abs URLs of a database", async () => {
  await withDir(async (dir) => {
    (await openStore(`file:${dir}/f.db`)).close();
    const encoded = encodeURI(`${dir}/f.db`); // the directory's name has spaces
    for (const url of [`file://${encoded}`, `file:${encoded}`, `file://localhost${encoded}`]) {
      const store = await openExisting(url);
      store.close();
    }
  });
});

Deno.test("openExisting() names the missing file's path, not the URL's tail", async () => {
  await withDir(async (dir) => {
    for (const url of [`file://${encodeURI(dir)}/none.db`, `file:${dir}/none.db?mode=rw`]) {
      await assert.rejects(openExisting(url), (error: Error) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, `No database at ${dir}/none.db`);
        return true;
      });
    }
  });
});
