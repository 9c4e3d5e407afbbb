/**
 * A WebAssembly sandbox instance with a warm spare.
 *
 * After an Emscripten abort or a WASM trap the instance's memory may be
 * half-updated, so it must not be used again; loading a new one is
 * asynchronous, but the evaluators are synchronous. So a spare is kept loaded:
 * it takes over at once when the current instance crashes, and a new spare
 * loads in the background. Uses no runtime-specific API.
 */

/** What an evaluator holds: the instance to use, and a way to drop it. */
export interface Replaceable<T> {
  /** The instance to use now; undefined only while every loaded one has crashed and none has reloaded yet. */
  current(): T | undefined;
  /** Forgets the current instance (it crashed) and promotes the spare. */
  discardCurrent(): void;
}

/** Loads the first instance and its spare; resolves once both are ready. */
export async function createReplaceable<T>(load: () => Promise<T>): Promise<Replaceable<T>> {
  let current: T | undefined = await load();
  let spare: T | undefined = await load();
  let loading = false;

  function refill(): void {
    if (loading || (current !== undefined && spare !== undefined)) return;
    loading = true;
    load().then(
      (instance) => {
        loading = false;
        if (current === undefined) current = instance;
        else spare = instance;
        refill();
      },
      // A failed load is retried on the next call to current() or discardCurrent(),
      // not in a loop that would spin on a loader that keeps failing.
      () => {
        loading = false;
      },
    );
  }

  return {
    current() {
      if (current === undefined) refill();
      return current;
    },
    discardCurrent() {
      current = spare;
      spare = undefined;
      refill();
    },
  };
}
