import { createLruCache } from "../../engine/lru-cache.ts";

/** How many failed token requests one address may make per window. */
export interface FailureLimit {
  max: number;
  windowMs: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimit = { max: 10, windowMs: 60_000 };

/** Addresses remembered at once; the least recently seen are forgotten first, so memory stays bounded. */
const ADDRESSES = 10_000;

/**
 * Counts failed token requests per source address in fixed windows: past
 * `max` failures, the address is refused (429) until its window ends, even with
 * the right secret, so guessing secrets costs a window per `max` tries.
 */
export function createFailureLimiter({ max, windowMs }: FailureLimit, clock: () => number = Date.now) {
  const windows = createLruCache<string, { start: number; failures: number }>(ADDRESSES);
  const current = (address: string) => {
    const window = windows.get(address);
    return window && clock() - window.start < windowMs ? window : undefined;
  };
  return {
    /** Milliseconds until `address` may try again, or 0 when it may now. */
    retryAfterMs(address: string): number {
      const window = current(address);
      return window && window.failures >= max ? window.start + windowMs - clock() : 0;
    },
    recordFailure(address: string): void {
      const window = current(address) ?? { start: clock(), failures: 0 };
      windows.set(address, { start: window.start, failures: window.failures + 1 });
    },
  };
}
