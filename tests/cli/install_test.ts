import assert from "node:assert/strict";
import { install, installArgs, PERMISSIONS } from "../../cli/install.ts";
import { CLONE_DIR } from "../../cli/launcher.ts";

Deno.test("installArgs() installs main.ts as sluice with the task's permissions and the clone's config", async () => {
  const args = installArgs({ clone: "/src/sluice" });
  assert.deepEqual(args, [
    "install",
    "-g",
    "-f",
    "-n",
    "sluice",
    "--config",
    "/src/sluice/deno.json",
    ...PERMISSIONS,
    "/src/sluice/main.ts",
    "--",
    "--launched-by=install",
  ]);
  // The same permissions as the sluice task.
  const tasks = JSON.parse(await Deno.readTextFile(`${CLONE_DIR}/deno.json`)).tasks;
  assert.ok(tasks.sluice.startsWith(`deno run ${PERMISSIONS.join(" ")} main.ts`), tasks.sluice);
});

Deno.test("install() refuses arguments other than --root, with its usage", async () => {
  const lines: string[] = [];
  const io = { log: () => {}, error: (line: string) => lines.push(line) };
  assert.equal(await install(["--root"], { io }), 2);
  assert.equal(lines[1], "usage: deno task install [--root DIR]");
});
