/**
 * A start-up shared by concurrent callers and kept once it succeeds. A failed
 * one is forgotten, so the next call starts again: a worker whose first start
 * failed (a sandbox that did not load, a binding not there yet) recovers
 * instead of answering every later request with the same cached failure.
 */
export function retryingStart<T>(start: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return () => {
    if (current) return current;
    const attempt = start();
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
}
