/**
 * At most `concurrency` of the functions given to the limiter run at once; the
 * rest wait their turn in order. A finishing call hands its slot straight to
 * the next waiter, so a newcomer cannot slip in between and overshoot.
 */
export function createConcurrencyLimit(concurrency: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
