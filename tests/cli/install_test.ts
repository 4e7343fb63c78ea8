import assert from "node:assert/strict";
import { install, installArgs, RUN_FLAGS } from "../../cli/install.ts";
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
    ...RUN_FLAGS,
    "/src/sluice/main.ts",
    "--",
    "--launched-by=install",
  ]);
  // The same permissions and V8 settings as the sluice task, the compile task and main.ts's shebang.
  const tasks = JSON.parse(await Deno.readTextFile(`${CLONE_DIR}/deno.json`)).tasks;
  assert.ok(tasks.sluice.startsWith(`deno run ${RUN_FLAGS.join(" ")} main.ts`), tasks.sluice);
  assert.ok(tasks.compile.startsWith(`deno compile ${RUN_FLAGS.join(" ")} `), tasks.compile);
  const main = await Deno.readTextFile(`${CLONE_DIR}/main.ts`);
  assert.equal(main.split("\n")[0], `#!/usr/bin/env -S deno run ${RUN_FLAGS.join(" ")}`);
});

Deno.test("install() refuses arguments other than --root, with its usage", async () => {
  const lines: string[] = [];
  const io = { log: () => {}, error: (line: string) => lines.push(line) };
  assert.equal(await install(["--root"], { io }), 2);
  assert.equal(lines[1], "usage: deno task install [--root DIR]");
});
