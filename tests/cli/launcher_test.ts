import assert from "node:assert/strict";
import { CLONE_DIR, launchCommand, takeLauncher, userFolder } from "../../cli/launcher.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const base = { clone: "/src/sluice", standalone: false, denoVersion: "2.9.6" } as const;

Deno.test("takeLauncher() takes only a known marker, and only in front", () => {
  assert.deepEqual(takeLauncher(["--launched-by=install", "--help"]), {
    launchedBy: "install",
    args: ["--help"],
  });
  assert.deepEqual(takeLauncher(["--launched-by=other", "run"]), {
    launchedBy: undefined,
    args: ["--launched-by=other", "run"],
  });
  assert.deepEqual(takeLauncher(["run", "--launched-by=task"]), {
    launchedBy: undefined,
    args: ["run", "--launched-by=task"],
  });
});

Deno.test("userFolder() is INIT_CWD under the sluice task only", () => {
  const vars = env({ INIT_CWD: "/home/me" });
  assert.equal(userFolder("task", vars), "/home/me");
  assert.equal(userFolder("install", vars), undefined);
  assert.equal(userFolder(undefined, vars), undefined);
  assert.equal(userFolder("task", env({})), undefined);
});

Deno.test("launchCommand() names what the user can type: sluice, the npx line or deno task", () => {
  const inClone = { ...base, cwd: "/src/sluice/data" };
  assert.equal(launchCommand({ ...inClone, launchedBy: "install", env: env({}) }), "sluice");
  assert.equal(launchCommand({ ...inClone, launchedBy: "task", env: env({}) }), "deno task sluice");
  assert.equal(
    launchCommand({ ...inClone, launchedBy: "task", env: env({ npm_lifecycle_event: "npx" }) }),
    "npx -y deno@2.9.6 task sluice",
  );
  // deno run main.ts: the task is the documented way to run it again.
  assert.equal(launchCommand({ ...inClone, env: env({}) }), "deno task sluice");
  assert.equal(
    launchCommand({ ...base, cwd: "/src/sluice-other", env: env({ npm_command: "exec" }) }),
    "npx -y deno@2.9.6 task --config /src/sluice/deno.json sluice",
  );
  assert.equal(
    launchCommand({ ...base, clone: "/my src", cwd: "/", env: env({}) }),
    "deno task --config '/my src/deno.json' sluice",
  );
  assert.equal(
    launchCommand({ ...base, standalone: true, execPath: "/opt/sluice", env: env({}) }),
    "/opt/sluice",
  );
});

Deno.test("CLONE_DIR is the folder of deno.json and main.ts", async () => {
  assert.ok((await Deno.stat(`${CLONE_DIR}/deno.json`)).isFile);
  assert.ok((await Deno.stat(`${CLONE_DIR}/main.ts`)).isFile);
});
