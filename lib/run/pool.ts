/**
 * Bounded concurrency over a (possibly async, possibly endless) iterable:
 * the run's pool of slots, pulling claimed items as slots free up.
 *
 * @module
 */

function checkPoolLimit(poolLimit: number): void {
  if (!Number.isInteger(poolLimit) || poolLimit < 1) {
    throw new RangeError(
      `Cannot use pool limit as a positive integer: current value is '${poolLimit}'`,
    );
  }
}

const ERROR_WHILE_MAPPING_MESSAGE =
  "Cannot complete the mapping as an error was thrown from an item";

/**
 * Runs `fn` over `items` with at most `poolLimit` calls in flight, for calls
 * whose results are not needed: `poolLimit` loops pull from one iterator,
 * with no stream and no `Promise.race` per item (std's `pooledMap` has both).
 * Items are pulled only as slots free up. When a call (or the input) throws,
 * no new item is pulled, the running calls finish, and the returned promise
 * rejects with an `AggregateError` of every error.
 *
 * @param poolLimit The maximum number of calls in flight.
 * @param items The input, pulled only as slots free up.
 * @param fn The function to call for each item.
 * @returns Resolves when every item has been handled.
 * @throws {RangeError} If `poolLimit` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { pooledEach } from "./pool.ts";
 * import assert from "node:assert/strict";
 * const seen: number[] = [];
 * await pooledEach(2, [1, 2, 3], async (i) => void seen.push(i));
 * assert.deepEqual(seen.sort(), [1, 2, 3]);
 * ```
 */
export async function pooledEach<T>(
  poolLimit: number,
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  checkPoolLimit(poolLimit);
  const iterator: Iterator<T> | AsyncIterator<T> = Symbol.asyncIterator in items
    ? items[Symbol.asyncIterator]()
    : items[Symbol.iterator]();
  const errors: unknown[] = [];
  let ended = false;
  const loop = async () => {
    while (!ended) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (!ended) errors.push(error);
        ended = true;
        return;
      }
      if (next.done) {
        ended = true;
        return;
      }
      try {
        await fn(next.value);
      } catch (error) {
        errors.push(error);
        ended = true;
      }
    }
  };
  await Promise.all(Array.from({ length: poolLimit }, loop));
  if (errors.length > 0) {
    try {
      await iterator.return?.();
    } catch (error) {
      errors.push(error);
    }
    throw new AggregateError(errors, ERROR_WHILE_MAPPING_MESSAGE);
  }
}
