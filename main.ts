#!/usr/bin/env -S deno run --allow-net --allow-read --allow-write --allow-env --allow-ffi --allow-sys --allow-run --v8-flags=--max-semi-space-size=8
/**
 * The sluice command line's entry: `deno run main.ts <command> ...`. The
 * commands live in cli/ (the table in cli/program.ts); this file is the
 * only place that exits the process.
 *
 * @module
 */
import { main } from "./cli/main.ts";

export { main };

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
