/**
 * What --help says beyond the flags: defaults written one way, `(default
 * X)`, whether the flag's text says it or commander holds the value; an
 * example input; the exit codes; how resuming works.
 *
 * @module
 */
import type { Option } from "commander";

/**
 * An option's line in --help: its description, then its choices and its
 * default as `(one of a, b; default a)`, in the words the other flags use.
 *
 * @example Usage
 * ```ts
 * import { Option } from "commander";
 * import { optionDescription } from "./help_text.ts";
 * import assert from "node:assert/strict";
 * const format = new Option("--format <format>", "output format").choices(["jsonl", "csv"])
 *   .default("jsonl");
 * assert.equal(optionDescription(format), "output format (one of jsonl, csv; default jsonl)");
 * assert.equal(optionDescription(new Option("--quiet", "no progress line")), "no progress line");
 * ```
 */
export function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`one of ${option.argChoices.join(", ")}`);
  const value = option.defaultValue;
  if (value !== undefined && typeof value !== "boolean") {
    extra.push(`default ${option.defaultValueDescription ?? String(value)}`);
  }
  return extra.length > 0 ? `${option.description} (${extra.join("; ")})` : option.description;
}

/** The exit codes, as every command's --help ends. */
export const EXIT_CODES_HELP = `
Exit codes: 0 all done, 1 finished with failed items, 2 bad usage or input
(nothing sent), 130 interrupted (Ctrl-C, SIGTERM or SIGHUP; run the same command again).`;

/** The end of `sluice run --help`: an input, what a run does when run again, how to stop. */
export const RUN_HELP = `
Example input (queries.jsonl, one JSON object per line; {{q}} in a template
takes the field q, {{env.NAME}} an environment variable, never stored):
  {"id": "1", "q": "apple pie"}
  {"id": "2", "q": "pear tart"}

Example:
  sluice run queries.jsonl --url https://api.example.com/search \\
    --body '{"q":"{{q}}"}' --header 'Authorization: Bearer {{env.API_TOKEN}}' --rate 20/s

Resuming: run the same command again; nothing done is sent again. The input
is not imported twice (a changed file is refused unless --append, or --job
NAME for a new job); --db F --job NAME without an input resumes from the
database alone. The request (method, URL, headers, body) and the settings
(every flag from --rate to --next-cross-origin but --deadline, --grace, --lease)
are part of the job: a flag given again changes its setting (recorded in
the job); a different request or idempotency header is refused unless
--replace-request. Ctrl-C lets in-flight
requests finish (--grace), then prints the command to resume; Ctrl-C again
a second later stops at once, keeping everything committed.
${EXIT_CODES_HELP}`;
