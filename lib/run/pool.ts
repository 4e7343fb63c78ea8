/**
 * Bounded concurrency over a (possibly async, possibly endless) iterable.
 *
 * Same contract as `pooledMap` from `@std/async`, which lives on JSR only;
 * swap back with one import when JSR is reachable.
 *
 * @module
 */

/**
 * Runs `iteratorFn` over `array` with at most `poolLimit` calls in flight and
 * yields the results in input order. A slow item does not stop later items from
 * starting. If any call rejects, the others still run to completion and the
 * returned iterator then throws an `AggregateError` of every rejection.
 *
 * @param poolLimit The maximum number of calls in flight.
 * @param array The input, pulled only as slots free up.
 * @param iteratorFn The function to call for each item.
 * @returns An async iterator of results, in input order.
 * @throws {RangeError} If `poolLimit` is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { pooledMap } from "./pool.ts";
 * import assert from "node:assert/strict";
 * const results = pooledMap(2, [1, 2, 3], (i) => Promise.resolve(i * 10));
 * assert.deepEqual(await Array.fromAsync(results), [10, 20, 30]);
 * ```
 */
export function pooledMap<T, R>(
  poolLimit: number,
  array: Iterable<T> | AsyncIterable<T>,
  iteratorFn: (data: T) => Promise<R>,
): AsyncIterableIterator<R> {
  checkPoolLimit(poolLimit);
  const res = new TransformStream<Promise<R>, R>({
    async transform(p, controller) {
      try {
        controller.enqueue(await p);
      } catch (e) {
        if (e instanceof AggregateError && e.message === ERROR_WHILE_MAPPING_MESSAGE) {
          controller.error(e);
        }
      }
    },
  });
  (async () => {
    const writer = res.writable.getWriter();
    const executing: Promise<unknown>[] = [];
    try {
      for await (const item of array) {
        const p = Promise.resolve().then(() => iteratorFn(item));
        writer.write(p).catch(() => {});
        const e: Promise<unknown> = p.then(() => executing.splice(executing.indexOf(e), 1));
        // Gathered below; without a handler, a rejection while the input is idle is "unhandled".
        e.catch(() => {});
        executing.push(e);
        if (executing.length >= poolLimit) await Promise.race(executing);
      }
      await Promise.all(executing);
      writer.close();
    } catch (error) {
      const errors = [];
      for (const result of await Promise.allSettled(executing)) {
        if (result.status === "rejected") errors.push(result.reason);
      }
      // An error of the input itself (not one of the calls) is reported too.
      if (!errors.includes(error)) errors.push(error);
      writer.write(Promise.reject(new AggregateError(errors, ERROR_WHILE_MAPPING_MESSAGE)))
        .catch(() => {});
    }
  })();
  return res.readable[Symbol.asyncIterator]();
}

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
 * whose results are not needed. Cheaper than {@linkcode pooledMap} at high
 * rates: `poolLimit` loops pull from one iterator, with no stream and no
 * `Promise.race` per item. Items are pulled only as slots free up. When a call
 * (or the input) throws, no new item is pulled, the running calls finish, and
 * the returned promise rejects with an `AggregateError` of every error.
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
