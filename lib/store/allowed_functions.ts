/**
 * The SQL functions the user's SQL may call, by name: SQLite's core,
 * JSON, math, date and time, aggregate and window functions, and the
 * functions that read a full-text index. Everything else the database
 * offers is refused, whatever a later libSQL build adds: the file
 * functions (`readfile`, `writefile`, `fsdir`'s helpers), `load_extension`,
 * the cipher settings (`sqlite3mc_config`), `sqlite_log`, the extension
 * functions of libSQL's build.
 *
 * @module
 */

const CORE = [
  "abs",
  "changes",
  "char",
  "coalesce",
  "concat",
  "concat_ws",
  "format",
  "glob",
  "hex",
  "ifnull",
  "iif",
  "instr",
  "last_insert_rowid",
  "length",
  "like",
  "likelihood",
  "likely",
  "lower",
  "ltrim",
  "max",
  "min",
  "nullif",
  "octet_length",
  "printf",
  "quote",
  "random",
  "randomblob",
  "replace",
  "round",
  "rtrim",
  "sign",
  "soundex",
  "sqlite_compileoption_get",
  "sqlite_compileoption_used",
  "sqlite_source_id",
  "sqlite_version",
  "substr",
  "substring",
  "total_changes",
  "trim",
  "typeof",
  "unhex",
  "unicode",
  "unistr",
  "unistr_quote",
  "unlikely",
  "upper",
  "zeroblob",
];

const JSON_FUNCTIONS = [
  "->",
  "->>",
  "json",
  "json_array",
  "json_array_length",
  "json_error_position",
  "json_extract",
  "json_insert",
  "json_object",
  "json_patch",
  "json_pretty",
  "json_quote",
  "json_remove",
  "json_replace",
  "json_set",
  "json_type",
  "json_valid",
  "jsonb",
  "jsonb_array",
  "jsonb_extract",
  "jsonb_insert",
  "jsonb_object",
  "jsonb_patch",
  "jsonb_remove",
  "jsonb_replace",
  "jsonb_set",
  "json_group_array",
  "json_group_object",
  "jsonb_group_array",
  "jsonb_group_object",
];

const MATH = [
  "acos",
  "acosh",
  "asin",
  "asinh",
  "atan",
  "atan2",
  "atanh",
  "ceil",
  "ceiling",
  "cos",
  "cosh",
  "degrees",
  "exp",
  "floor",
  "ln",
  "log",
  "log10",
  "log2",
  "mod",
  "pi",
  "pow",
  "power",
  "radians",
  "sin",
  "sinh",
  "sqrt",
  "tan",
  "tanh",
  "trunc",
];

const DATE_AND_TIME = [
  "current_date",
  "current_time",
  "current_timestamp",
  "date",
  "datetime",
  "julianday",
  "strftime",
  "time",
  "timediff",
  "unixepoch",
];

const AGGREGATE_AND_WINDOW = [
  "avg",
  "count",
  "group_concat",
  "string_agg",
  "sum",
  "total",
  "row_number",
  "rank",
  "dense_rank",
  "percent_rank",
  "cume_dist",
  "ntile",
  "lag",
  "lead",
  "first_value",
  "last_value",
  "nth_value",
];

/** Reading a full-text index: ranking, snippets, MATCH. */
const FULL_TEXT = ["bm25", "highlight", "snippet", "matchinfo", "offsets", "match"];

/**
 * Functions only SQLite's own code can call (a user's statement gets "no
 * such function"): the programs of `ALTER TABLE` call them.
 */
const INTERNAL = [
  "sqlite_rename_column",
  "sqlite_rename_table",
  "sqlite_rename_test",
  "sqlite_rename_quotefix",
  "sqlite_drop_column",
];

/** Every function name the sandbox allows, lower case. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...CORE,
  ...JSON_FUNCTIONS,
  ...MATH,
  ...DATE_AND_TIME,
  ...AGGREGATE_AND_WINDOW,
  ...FULL_TEXT,
  ...INTERNAL,
]);

/**
 * The virtual tables the user's SQL may use: JSON, series, full-text and
 * spatial indexes, page statistics, vector search. Not `fsdir` (the file
 * system), `sqlite_dbpage` (raw pages, writable), `sqlite_stmt`, nor any
 * module a later build adds.
 */
export const ALLOWED_MODULES: ReadonlySet<string> = new Set([
  "json_each",
  "json_tree",
  "generate_series",
  "carray",
  "dbstat",
  "fts3",
  "fts4",
  "fts4aux",
  "fts3tokenize",
  "fts5",
  "fts5vocab",
  "rtree",
  "rtree_i32",
  "geopoly",
  "vector_top_k",
]);

/** Pragmas that take a table or index name and only read. */
export const NAME_PRAGMAS: ReadonlySet<string> = new Set([
  "table_info",
  "table_xinfo",
  "index_info",
  "index_xinfo",
  "index_list",
  "foreign_key_list",
  "foreign_key_check",
  "integrity_check",
  "quick_check",
]);

/** Pragmas the user's SQL may run, with no value given (or a name, for {@linkcode NAME_PRAGMAS}). */
export const READING_PRAGMAS: ReadonlySet<string> = new Set([
  ...NAME_PRAGMAS,
  "application_id",
  "auto_vacuum",
  "automatic_index",
  "busy_timeout",
  "cache_size",
  "collation_list",
  "compile_options",
  "data_version",
  "database_list",
  "defer_foreign_keys",
  "encoding",
  "foreign_keys",
  "freelist_count",
  "function_list",
  "journal_mode",
  "module_list",
  "page_count",
  "page_size",
  "pragma_list",
  "query_only",
  "recursive_triggers",
  "schema_version",
  "synchronous",
  "table_list",
  "temp_store",
  "trusted_schema",
  "user_version",
]);
