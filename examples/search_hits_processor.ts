/**
 * An example processor: turns each answer of the mock API's `POST /search`
 * (`{ query, count, results: [{ rank, title, url }] }`) into one row per
 * result in `search_hits`, and one row per query in `search_queries`.
 *
 * ```sh
 * sluice run queries.jsonl --url http://127.0.0.1:8787/search --body '{"q":"{{q}}"}' \
 *   --processor examples/search_hits_processor.ts
 * sluice sql "SELECT q, rank, title FROM search_hits ORDER BY q, rank LIMIT 10"
 * ```
 *
 * The tables have keys, so processing an answer again (`sluice process`)
 * replaces its rows instead of adding them twice.
 *
 * @module
 */
import type { Processor } from "../lib/mod.ts";

/** One result of the mock API's search answer. */
interface SearchResult {
  rank: number;
  title: string;
  url: string;
}

/** The processor: sluice calls `process` for each 2xx answer. */
const searchHits: Processor = {
  tables: {
    search_hits: {
      columns: {
        key: "TEXT NOT NULL",
        q: "TEXT",
        rank: "INTEGER NOT NULL",
        title: "TEXT",
        url: "TEXT",
        host: "TEXT",
      },
      key: ["key", "rank"],
    },
    search_queries: {
      columns: { key: "TEXT PRIMARY KEY", q: "TEXT", results: "INTEGER", answered_at: "TEXT" },
    },
  },
  process(answer, query) {
    const body = answer.body as { results?: SearchResult[] };
    if (!Array.isArray(body?.results)) throw new Error("the answer has no results array");
    return {
      search_hits: body.results.map((r) => ({
        key: answer.key,
        q: query.q,
        rank: r.rank,
        title: r.title,
        url: r.url,
        host: new URL(r.url).host,
      })),
      search_queries: [{
        key: answer.key,
        q: query.q,
        results: body.results.length,
        answered_at: new Date(answer.at).toISOString(),
      }],
    };
  },
};

export default searchHits;
