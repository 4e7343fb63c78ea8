/**
 * One page's server-sent event stream: the live feed's messages as they are
 * made (the same text for every page), after a catch-up of the points a
 * reconnecting page missed.
 *
 * @module
 */
import type { Context } from "../deps.ts";
import { streamSSE } from "../deps.ts";
import type { FeedMessage, LiveFeed } from "./live_feed.ts";

/** Options for {@linkcode eventStream}. */
export interface EventStreamOptions {
  /** Messages before the stream ends (the browser reconnects). @default 600 */
  limit?: number;
  /** Messages a slow page may fall behind before the oldest are dropped. @default 30 */
  backlog?: number;
}

/**
 * Streams `feed` to one page as `stats` events, each with the time it was
 * made as its id; a page that reconnects with `Last-Event-ID` (or `?since=`)
 * first gets every job's points since then.
 */
export function eventStream(
  c: Context,
  feed: LiveFeed,
  options: EventStreamOptions = {},
): Response {
  const { limit = 600, backlog = 30 } = options;
  // A browser reconnecting by itself sends Last-Event-ID; a page opening its stream
  // again (its tab shown after it was hidden) says `?since=`.
  const lastId = Number(c.req.header("last-event-id") ?? c.req.query("since") ?? NaN);
  return streamSSE(c, async (stream) => {
    const queue: FeedMessage[] = [];
    let wake: (() => void) | undefined;
    const arrived = () => {
      wake?.();
      wake = undefined;
    };
    const catchUp = Number.isSafeInteger(lastId) ? await feed.catchUp(lastId) : undefined;
    if (catchUp) queue.push(catchUp);
    const unsubscribe = feed.subscribe((message) => {
      queue.push(message);
      if (queue.length > backlog) queue.shift();
      arrived();
    });
    stream.onAbort(arrived);
    try {
      for (let sent = 0; sent < limit && !stream.aborted;) {
        const message = queue.shift();
        if (!message) {
          await new Promise<void>((resolve) => wake = resolve);
          continue;
        }
        await stream.writeSSE({
          event: "stats",
          id: String(message.id),
          data: message.data,
          // A page whose stream ended comes back within a second (the default is 3 s).
          ...(sent === 0 ? { retry: 1000 } : {}),
        });
        sent++;
      }
    } finally {
      unsubscribe();
    }
  });
}
