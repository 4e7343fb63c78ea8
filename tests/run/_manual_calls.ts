/**
 * Calls that a pool test finishes by hand, so that the test decides the order
 * in which work completes and needs no timers.
 *
 * @module
 */

/** Lets every queued microtask (and the stream plumbing behind it) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** What {@linkcode manualCalls} returns. */
export interface ManualCalls<T> {
  /** The function to hand to the pool: records the call and waits for the test. */
  fn: (i: number) => Promise<T>;
  /** Items whose call has started, in start order. */
  readonly started: number[];
  /** Calls started and not yet settled. */
  readonly active: number;
  /** The most calls that were active at once. */
  readonly maxActive: number;
  /** Fulfils item `i`'s call. */
  resolve(i: number, value: T): void;
  /** Rejects item `i`'s call. */
  reject(i: number, reason: unknown): void;
  /** Resolves once `count` calls have started. */
  whenStarted(count: number): Promise<void>;
}

/** Returns a set of calls that the test settles one by one. */
export function manualCalls<T>(): ManualCalls<T> {
  const started: number[] = [];
  const pending = new Map<number, PromiseWithResolvers<T>>();
  const waiters: { count: number; resolve: () => void }[] = [];
  let active = 0;
  let maxActive = 0;
  const settleCall = (i: number) => {
    const call = pending.get(i);
    if (!call) throw new Error(`Cannot settle item ${i}: its call has not started`);
    pending.delete(i);
    active--;
    return call;
  };
  return {
    fn(i) {
      started.push(i);
      active++;
      maxActive = Math.max(maxActive, active);
      const call = Promise.withResolvers<T>();
      pending.set(i, call);
      for (const waiter of waiters.filter((w) => w.count <= started.length)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      return call.promise;
    },
    started,
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    resolve: (i, value) => settleCall(i).resolve(value),
    reject: (i, reason) => settleCall(i).reject(reason),
    whenStarted(count) {
      if (started.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}
