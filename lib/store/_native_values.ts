/**
 * Values, rows, results and errors of the native driver as @libsql/client
 * makes them (lib/store/native_client.ts), so that a store cannot tell the two apart.
 *
 * @module
 */
import { LibsqlDatabase, LibsqlError, type ResultSet, type Row } from "../deps.ts";

/** A value the native driver binds. */
export type Value = null | string | number | bigint | ArrayBuffer | Uint8Array;

const MIN_INTEGER = -9223372036854775808n;
const MAX_INTEGER = 9223372036854775807n;

export function resultSet(
  columns: string[],
  columnTypes: string[],
  rows: Row[],
  rowsAffected: number,
  lastInsertRowid: bigint | undefined,
): ResultSet {
  return new NativeResultSet(columns, columnTypes, rows, rowsAffected, lastInsertRowid);
}

/** A statement's result, as @libsql/client's `ResultSetImpl` holds it. */
class NativeResultSet implements ResultSet {
  constructor(
    readonly columns: string[],
    readonly columnTypes: string[],
    readonly rows: Row[],
    readonly rowsAffected: number,
    readonly lastInsertRowid: bigint | undefined,
  ) {}

  toJSON() {
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((row) =>
        Array.prototype.map.call(
          row,
          (value) =>
            typeof value === "bigint"
              ? String(value)
              : value instanceof ArrayBuffer
              ? new Uint8Array(value).toBase64()
              : value,
        )
      ),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid === undefined ? null : String(this.lastInsertRowid),
    };
  }
}

/** A row as @libsql/client makes it: values by index (not enumerable) and by column name. */
export function toRow(values: unknown[], columns: string[]): Row {
  const row = {};
  Object.defineProperty(row, "length", { value: values.length });
  for (let i = 0; i < values.length; i++) {
    const value = fromSql(values[i]);
    Object.defineProperty(row, i, { value });
    const column = columns[i]!;
    if (!Object.hasOwn(row, column)) {
      Object.defineProperty(row, column, {
        value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return row as Row;
}

/** A value read, as @libsql/client reads it with `intMode: "number"`. */
function fromSql(value: unknown): unknown {
  if (typeof value === "bigint") {
    if (value < -9007199254740991n || value > 9007199254740991n) {
      throw new RangeError(
        "Received integer which cannot be safely represented as a JavaScript number",
      );
    }
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  }
  return value;
}

/** A value to bind, as @libsql/client binds it. */
export function toSql(value: unknown): Value {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    }
    return value;
  }
  if (typeof value === "bigint") {
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      throw new RangeError(
        "bigint is too large to be represented as a 64-bit integer and passed as argument",
      );
    }
    return value;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) {
    throw new TypeError("undefined cannot be passed as argument to the database");
  }
  return value as Value;
}

export function named(args: Record<string, unknown>): Record<string, Value> {
  const bound: Record<string, Value> = {};
  for (const name in args) {
    const key = name[0] === "@" || name[0] === "$" || name[0] === ":" ? name.substring(1) : name;
    bound[key] = toSql(args[name]);
  }
  return bound;
}

/** The driver's error as @libsql/client reports it (`SQLITE_BUSY: database is locked`). */
export function libsqlError(error: unknown): unknown {
  if (!(error instanceof LibsqlDatabase.SqliteError)) return error;
  const raw = (error as { rawCode?: number }).rawCode;
  const code = raw === undefined ? "SQLITE_UNKNOWN" : SQLITE_CODES[raw & 0xff] ??
    `SQLITE_UNKNOWN_${raw & 0xff}`;
  return new LibsqlError(error.message, code, (error as { code?: string }).code, raw, error);
}

const SQLITE_CODES: Record<number, string> = Object.fromEntries(
  [
    "ERROR",
    "INTERNAL",
    "PERM",
    "ABORT",
    "BUSY",
    "LOCKED",
    "NOMEM",
    "READONLY",
    "INTERRUPT",
    "IOERR",
    "CORRUPT",
    "NOTFOUND",
    "FULL",
    "CANTOPEN",
    "PROTOCOL",
    "EMPTY",
    "SCHEMA",
    "TOOBIG",
    "CONSTRAINT",
    "MISMATCH",
    "MISUSE",
    "NOLFS",
    "AUTH",
    "FORMAT",
    "RANGE",
    "NOTADB",
    "NOTICE",
    "WARNING",
  ].map((name, i) => [i + 1, `SQLITE_${name}`]),
);
