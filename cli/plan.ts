/**
 * `sluice plan`: a dry run. Validates the input, prints the first rendered
 * requests and estimates the duration; sends nothing, writes no database.
 *
 * @module
 */
import { asInputError } from "../lib/util/as_input_error.ts";
import { checkEnv } from "./check_env.ts";
import type { Console } from "./console.ts";
import { EXIT } from "./exit_code.ts";
import type { InputFlags } from "./input_options.ts";
import { openQueries } from "./open_queries.ts";
import { resolveRunConfig, type RunFlags } from "./run_config.ts";

import { InputError } from "../lib/errors.ts";
import { checkFields, checkStorable } from "../lib/job/prepare_job.ts";
import { compileTemplate } from "../lib/job/template.ts";
import { formatRate } from "../lib/rate/rate_spec.ts";
import { formatDuration } from "../lib/util/units.ts";

/** Flags of `sluice plan`. */
export interface PlanFlags extends RunFlags, InputFlags {
  /** The input's format. @default "auto" (from the file name) */
  format?: "auto" | "json" | "jsonl" | "csv";
  /** How many rendered requests to print. @default "3" */
  show?: string;
}

/**
 * Validates the input and prints the first rendered requests (secrets
 * masked); sends nothing.
 *
 * @throws {InputError} For bad input, located by file, line and field.
 *
 * @example Usage
 * ```ts
 * import { planCommand } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const file = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(file, '{"q":"a"}\n{"q":"b"}\n');
 * const lines: string[] = [];
 * const io = { log: (line: string) => lines.push(line), error: () => {} };
 * await planCommand(file, { url: "http://127.0.0.1:1/s?q={{q}}", show: "1" }, io);
 * assert.deepEqual(lines.slice(0, 2), ["GET http://127.0.0.1:1/s?q=a", ""]);
 * await Deno.remove(file);
 * ```
 */
export async function planCommand(input: string, flags: PlanFlags, io: Console): Promise<number> {
  const source = await openQueries(input, flags);
  const config = resolveRunConfig(flags, source.settings);
  const template = asInputError(() => compileTemplate(config.request));
  try {
    checkEnv(template);
  } catch (error) {
    // A dry run shows the requests anyway, with the secret masked; `run` would refuse.
    if (!(error instanceof InputError)) throw error;
    io.error(`sluice: note: ${error.message}; run would refuse to start`);
  }
  const show = Number(flags.show ?? 3);
  const masked = (name: string) =>
    `<env.${name}${Deno.env.get(name) === undefined ? " unset" : ""}>`;
  let count = 0;
  for await (const query of source.queries) {
    checkStorable(query, source.file);
    checkFields(template, query, source.file);
    if (count < show) {
      const r = template.render(query.vars, masked, { validate: false });
      io.log(`${r.method} ${r.url}`);
      for (const [k, v] of Object.entries(r.headers)) io.log(`${k}: ${v}`);
      if (r.body !== undefined) io.log(r.body);
      io.log("");
    }
    count++;
  }
  const perSecond = config.rate.kind === "windows"
    ? Math.min(...config.rate.windows.map((w) => (w.limit / w.periodMs) * 1000))
    : undefined;
  io.log(
    `${count} queries in ${source.file} (${source.format}); rate ${formatRate(config.rate)}, ` +
      `concurrency ${config.options.concurrency}` +
      (perSecond ? `; at least ${formatDuration((count / perSecond) * 1000)} at full rate` : ""),
  );
  return EXIT.ok;
}
