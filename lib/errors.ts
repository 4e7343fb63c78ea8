/**
 * The few error classes sluice throws on purpose. Anything else is a bug and
 * is reported with its stack.
 *
 * @module
 */

/** Where in an input a problem was found. */
export interface InputLocation {
  /** Path of the input file, or `-` for standard input. */
  file: string;
  /** 1-based line number, when the format has lines. */
  line?: number;
  /** The query field (or template placeholder) at fault. */
  field?: string;
}

/**
 * Bad input or bad usage: reported as one line, exit code 2, nothing sent.
 *
 * @example Usage
 * ```ts
 * import { InputError } from "./errors.ts";
 * const err = new InputError("Unexpected token", { file: "q.jsonl", line: 3 });
 * if (err.message !== "q.jsonl:3: Unexpected token") throw new Error(err.message);
 * ```
 */
export class InputError extends Error {
  /** The error's name, for checks that cannot use `instanceof`. */
  override name = "InputError" as const;
  /** The input file, or `-` for standard input. */
  readonly file: string | undefined;
  /** The 1-based line of the bad query. */
  readonly line: number | undefined;
  /** The field that is missing or wrong. */
  readonly field: string | undefined;

  /** Makes the error; the message is prefixed with the location, when given. */
  constructor(message: string, location?: InputLocation, options?: ErrorOptions) {
    super(InputError.#format(message, location), options);
    this.file = location?.file;
    this.line = location?.line;
    this.field = location?.field;
  }

  static #format(message: string, location?: InputLocation): string {
    if (!location) return message;
    const where = location.line === undefined ? location.file : `${location.file}:${location.line}`;
    const field = location.field === undefined ? "" : ` (field "${location.field}")`;
    return `${where}${field}: ${message}`;
  }
}

/** The database refused a write or read (read-only, locked, disk full, corrupt). */
export class StoreError extends Error {
  /** The error's name, for checks that cannot use `instanceof`. */
  override name = "StoreError" as const;
  /** Makes the error; `options.cause` keeps the driver's error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
