/**
 * The field delimiter of a CSV file, from its first lines: people's CSV
 * files are separated by `,`, `;` (spreadsheets in locales whose decimal
 * separator is a comma), tabs or `|`.
 *
 * @module
 */
import { parseCsvText } from "../deps.ts";

/** The delimiters {@linkcode detectCsvDelimiter} chooses among, preferred first on a tie. */
export const CSV_DELIMITERS: readonly string[] = [",", ";", "\t", "|"];

/** Records read for the choice: the header and up to this many rows. */
const SAMPLE_RECORDS = 50;

/** The fields of each record of `sample` read with `delimiter`; quotes are CSV's. */
function fieldCounts(sample: string, delimiter: string): number[] {
  try {
    const records = parseCsvText(sample, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // A row the sample's end cut short, or a bad one, is left out of the count.
      skip_records_with_error: true,
      to: SAMPLE_RECORDS + 1,
    }) as string[][];
    return records.map((record) => record.length);
  } catch {
    return [];
  }
}

/**
 * Chooses the delimiter of a CSV input from its first lines: among `,` `;`
 * tab and `|`, the one that splits the header into two fields or more and
 * the most rows into as many fields as the header (quotes considered: a
 * delimiter inside a quoted field does not count); on a tie, the one with
 * more fields, then the first of that list. A header no candidate splits is
 * a single column: `,`.
 *
 * @param sample The input's first lines (a line cut short at the end is ignored).
 * @returns The delimiter.
 *
 * @example Usage
 * ```ts
 * import { detectCsvDelimiter } from "./csv_delimiter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(detectCsvDelimiter("id;query\n1;cheap flights, paris\n"), ";");
 * assert.equal(detectCsvDelimiter("id\tquery\n1\ta;b\n"), "\t");
 * assert.equal(detectCsvDelimiter('"a;b",c\n"1;2",3\n'), ",");
 * assert.equal(detectCsvDelimiter("query\nhello\n"), ",");
 * ```
 */
export function detectCsvDelimiter(sample: string): string {
  let best = { delimiter: ",", matching: -1, fields: 1 };
  for (const delimiter of CSV_DELIMITERS) {
    const [fields = 0, ...rows] = fieldCounts(sample, delimiter);
    if (fields < 2) continue;
    const matching = rows.length === 0
      ? 1
      : rows.filter((count) => count === fields).length / rows.length;
    if (matching > best.matching || (matching === best.matching && fields > best.fields)) {
      best = { delimiter, matching, fields };
    }
  }
  return best.delimiter;
}
