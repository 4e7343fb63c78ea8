import { join } from "node:path";

/** Runs `fn` with the path of a file `name` holding `content`, in a folder removed after. */
export async function withFile<T>(
  name: string,
  content: string | Uint8Array,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "sluice_input_" });
  try {
    const path = join(dir, name);
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
